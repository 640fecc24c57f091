/// The release of RRF, printed by `rrfctl --version`, `rrfd --version` and `rrfweb --version`.
public enum RRFVersion {
    public static let current = "0.1.0"
}
