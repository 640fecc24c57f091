/// Renders the generated transition tables of state machines as diagrams.
public enum WorkflowDiagram {
    /// Every state machine of the workflow, in lifecycle order.
    public static var allMachines: [any DescribedStateMachine.Type] {
        [
            OrganisationMachine.self, CallMachine.self, ProposalMachine.self, ReviewMachine.self,
            GrantMachine.self, TrancheMachine.self, ReportMachine.self, TrainingSessionMachine.self,
        ]
    }

    /// A Mermaid `stateDiagram-v2` with one composite state per machine. The initial state gets `[*] -->`;
    /// states without outgoing transitions get `--> [*]`.
    public static func mermaid(_ machines: [any DescribedStateMachine.Type]) -> String {
        var lines = ["stateDiagram-v2"]
        for machine in machines {
            let prefix = machine.machineName
            lines.append("    state \(prefix) {")
            if let initial = machine.stateNames.first {
                lines.append("        [*] --> \(prefix)_\(initial)")
            }
            for name in machine.stateNames {
                lines.append("        \(prefix)_\(name) : \(name)")
            }
            for transition in machine.transitions {
                lines.append("        \(prefix)_\(transition.from) --> \(prefix)_\(transition.to) : \(transition.event)")
            }
            for name in finalStates(of: machine) {
                lines.append("        \(prefix)_\(name) --> [*]")
            }
            lines.append("    }")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Graphviz `digraph` with one cluster per machine; final states are drawn with a double circle.
    public static func dot(_ machines: [any DescribedStateMachine.Type]) -> String {
        var lines = ["digraph workflow {", "    rankdir=LR;", "    node [shape=ellipse];"]
        for machine in machines {
            let prefix = machine.machineName
            let finals = Set(finalStates(of: machine))
            lines.append("    subgraph cluster_\(prefix) {")
            lines.append("        label=\"\(prefix)\";")
            for name in machine.stateNames {
                let shape = finals.contains(name) ? ", shape=doublecircle" : ""
                lines.append("        \"\(prefix).\(name)\" [label=\"\(name)\"\(shape)];")
            }
            for transition in machine.transitions {
                lines.append("        \"\(prefix).\(transition.from)\" -> \"\(prefix).\(transition.to)\" [label=\"\(transition.event)\"];")
            }
            lines.append("    }")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// States that no event leaves (other than staying in place).
    private static func finalStates(of machine: any DescribedStateMachine.Type) -> [String] {
        let leaving = Set(machine.transitions.filter { $0.from != $0.to }.map(\.from))
        return machine.stateNames.filter { !leaving.contains($0) }
    }
}
