print("rrfctl: not yet implemented")
