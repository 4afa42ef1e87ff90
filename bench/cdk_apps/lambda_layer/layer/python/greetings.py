"""The layer's module: on the function's path from the layer's python/ folder."""


def greet(name: str) -> str:
    return f"hello {name}, from a layer"
