// JobQueue module: see DESIGN.md.
