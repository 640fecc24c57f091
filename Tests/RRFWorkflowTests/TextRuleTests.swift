import Foundation
import RRFWorkflow
import Testing

/// Issue 17 item 2: free text holds what a person can type, up to a documented length, and a refusal names the
/// field and the character.
@Suite struct TextRuleTests {
    @Test(arguments: [
        ("Wajir Relief \u{1B}[31mRED", TextShape.line, "U+001B (escape"),
        ("Line\none", .line, "U+000A (a line break; this field is one line)"),
        ("Tab\there", .line, "U+0009 (a tab"),
        ("cut\u{0}here", .lines, "U+0000 (NUL)"),
        ("bell\u{7}", .lines, "U+0007"),
        ("over\rwrite", .lines, "U+000D (a carriage return)"),
        ("C1 \u{9B}31m", .lines, "U+009B"),
        ("Caf\u{FFFD}", .lines, "not valid UTF-8"),
        ("abc\u{202E}gnp.exe", .line, "direction control U+202E"),
        ("isolate\u{2066}x", .line, "direction control U+2066"),
    ])
    func aCharacterNoPersonTypesIsRefusedNamingFieldAndCharacter(text: String, shape: TextShape, said: String) {
        #expect {
            _ = try Validate.text(text, field: "organisation name", maximum: 300, shape: shape)
        } throws: { error in
            guard let rejection = error as? WorkflowRejection else { return false }
            return rejection.code == "organisation_name_invalid" && rejection.message.hasPrefix("The organisation name holds")
                && rejection.message.contains(said)
        }
    }

    @Test(arguments: [
        ("O'Brien & Sons; DROP TABLE proposals; --", TextShape.line),
        ("Ünïcödé 名前 اسم ܫܡܐ 👩🏽‍⚕️", .line),
        ("Persian half-space: می‌خواهم", .line),
        ("First line\nsecond\tcolumn", .lines),
        ("Right-to-left mark \u{200F} is fine in a comment \u{202E}too", .lines),
    ])
    func textAPersonTypesIsKept(text: String, shape: TextShape) throws {
        #expect(try Validate.text(text, field: "name", maximum: 300, shape: shape) == text)
    }

    @Test func aLineBreakFromABrowserIsKeptAsOneLineBreak() throws {
        #expect(try Validate.text("one\r\ntwo\r\n", field: "reason", maximum: 100, shape: .lines) == "one\ntwo")
    }

    @Test func lengthIsCountedInCharactersAndCapped() throws {
        let family = String(repeating: "👩‍👩‍👧", count: 300)  // 300 characters of 5 scalars each
        #expect(try Validate.text(family, field: "name", maximum: 300) == family)
        #expect {
            _ = try Validate.text(String(repeating: "a", count: 10_000_001), field: "comment on relevance", maximum: TextLimit.comment, shape: .lines)
        } throws: { error in
            (error as? WorkflowRejection)?.message == "The comment on relevance has 10000001 characters; shorten it to 5000 or fewer."
        }
    }

    @Test func reasonsCommentsAndNarrativesHaveTheirCaps() {
        #expect(TextLimit.line == 300 && TextLimit.reason == 2_000 && TextLimit.comment == 5_000 && TextLimit.narrative == 20_000)
        let tooLongReason = String(repeating: "r", count: TextLimit.reason + 1)
        var organisation = OrganisationMachine(state: .assessed(Fixture.assessment))
        #expect { _ = try organisation.suspend(reason: tooLongReason, by: Fixture.manager) } throws: { error in
            (error as? WorkflowRejection)?.code == "reason_too_long"
        }
        #expect { _ = try organisation.suspend(reason: "Audit \u{1B}[2J", by: Fixture.manager) } throws: { error in
            (error as? WorkflowRejection)?.code == "reason_invalid"
        }
    }
}
