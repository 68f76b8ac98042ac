"""``zoo audio-info FILE.wav...``: a plugin-provided ``zoo`` subcommand."""


def configure_info(parser):
    parser.add_argument("files", nargs="+", metavar="FILE.wav", help="WAV files to describe")


def info(args):
    from .datasets import read_wav_info
    for path in args.files:
        rate, channels, frames = read_wav_info(path)
        print(f"{path}: {rate} Hz, {channels} channel(s), {frames} samples, {frames / rate:.3f} s")
    return 0
