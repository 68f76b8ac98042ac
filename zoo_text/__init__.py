"""zoo_text: the built-in text plugin (tokenizers, BERT/GPT/RNN families, text datasets).

Being built: see the project's issues. Importing it must stay light (no tokenizers at import time).
"""
