print("rrfbench: not yet implemented")
