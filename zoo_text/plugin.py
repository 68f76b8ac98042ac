"""The built-in text plugin's entry module (``text`` namespace).

Tokenizers and text model families register here as they land; the hooks are in place so that the
plugin loads like any other and its namespace is reserved.
"""
from zoo_core import hookimpl


@hookimpl
def zoo_register_tokenizers(register):
    """Nothing yet: tokenizer wrappers arrive with the text model families."""
