"""The board's view: the appetite, the money, the social return and the learning, as at a date."""
