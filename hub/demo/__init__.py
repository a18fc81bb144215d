"""``hub demo``: the sandbox. Both vendor emulators, the hub's service and a simulated week."""
