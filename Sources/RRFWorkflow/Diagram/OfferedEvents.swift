extension DescribedStateMachine {
    /// Whether `event` can move the machine out of the state named `state`, as its own sample exploration
    /// finds it: what a page asks before it offers a button (the event itself still decides, with its facts).
    public static func offers(_ event: String, from state: String) -> Bool {
        transitions.contains { $0.from == state && $0.event == event }
    }
}
