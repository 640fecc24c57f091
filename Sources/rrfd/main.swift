print("rrfd: not yet implemented")
