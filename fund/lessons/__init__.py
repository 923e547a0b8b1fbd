"""The lessons register: what each experiment taught, its closing, and the fund's learning."""
