"""zoo-audio's entry module: registers everything under the ``audio`` namespace, importing none of it.

Factories are lazy ``"module:attr"`` strings, so loading the plugin costs a few microseconds; the model,
transform and dataset modules are imported when first used.
"""
from zoo_core import hookimpl


@hookimpl
def zoo_register_models(register):
    register("m5", "zoo_audio.models:m5", task="audio-classification", input_size=(1, 8000),
             tags=("raw-waveform", "1d-cnn"),
             description="M5: a 1-D CNN on raw waveforms (Dai et al. 2017), conv(80, stride 4) + 3 conv blocks")


@hookimpl
def zoo_register_transforms(register):
    register("spectrogram", "zoo_audio.transforms:Spectrogram", task="audio",
             description="power spectrogram of a waveform (torchaudio.transforms.Spectrogram)")
    register("mel_spectrogram", "zoo_audio.transforms:MelSpectrogram", task="audio",
             description="mel-scale spectrogram, HTK or Slaney (torchaudio.transforms.MelSpectrogram)")


@hookimpl
def zoo_register_datasets(register):
    register("wav_folder", "zoo_audio.datasets:WavFolder", task="audio-classification",
             description="a folder with one subfolder of 16-bit PCM WAV files per class")


@hookimpl
def zoo_register_commands(cli):
    cli.add_command("audio-info", "show the sample rate, channels and duration of WAV files",
                    "zoo_audio.cli:info", configure="zoo_audio.cli:configure_info")
