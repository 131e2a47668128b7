"""The thin HTTP skin: parse, call the model, serialise."""
