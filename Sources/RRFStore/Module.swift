// RRFStore module: see DESIGN.md.
