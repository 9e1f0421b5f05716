print("popsim")
