"""zoo-audio: audio for Zoo, as a third-party plugin (namespace ``audio``).

* ``zoo_audio.transforms``: ``Spectrogram`` and ``MelSpectrogram`` (torchaudio's definitions, numpy FFT);
* ``zoo_audio.datasets``: ``WavFolder``, one subfolder of WAV files per class (stdlib ``wave``);
* ``zoo_audio.models``: ``M5``, a 1-D CNN classifier on raw waveforms.

Zoo finds it through the ``zoo.plugins`` entry point ``audio = "zoo_audio.plugin"``; that module imports
none of the above, so ``zoo --help`` and ``import zoo_core`` stay fast::

    >>> from zoo_core import hub
    >>> model = hub.create_model("audio/m5", num_classes=10)
    >>> mel = hub.create_transform("audio/mel_spectrogram", sample_rate=8000, n_mels=40)
"""
__version__ = "0.1.0"
