// RRFWorkflow module: see DESIGN.md.
