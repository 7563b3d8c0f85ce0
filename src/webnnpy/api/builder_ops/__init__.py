"""MLGraphBuilder operator methods, one mixin per op family."""
