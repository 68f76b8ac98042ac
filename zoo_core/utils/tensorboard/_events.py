"""TensorBoard's event-file format, written without TensorFlow or protobuf.

A file is a sequence of records ``uint64 length | uint32 masked_crc32c(length) | data | uint32
masked_crc32c(data)``, each ``data`` a serialized ``Event`` protocol buffer. Only the few message fields
the writer needs are encoded here (wire types 0, 1, 2 and 5), by hand.
"""
import struct

# ---- CRC-32C (Castagnoli), as TFRecord uses it --------------------------------------------------------
_POLY = 0x82F63B78
_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data):
    """One TFRecord framing ``data``."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc(header)) + data + struct.pack("<I", masked_crc(data))


def read_records(raw):
    """The payloads of the records in ``raw``, checking both CRCs (for tests and tools)."""
    pos, out = 0, []
    while pos < len(raw):
        header = raw[pos:pos + 8]
        (n,) = struct.unpack("<Q", header)
        if struct.unpack("<I", raw[pos + 8:pos + 12])[0] != masked_crc(header):
            raise ValueError(f"event file: bad length checksum at byte {pos}")
        data = raw[pos + 12:pos + 12 + n]
        if struct.unpack("<I", raw[pos + 12 + n:pos + 16 + n])[0] != masked_crc(data):
            raise ValueError(f"event file: bad data checksum at byte {pos}")
        out.append(data)
        pos += 16 + n
    return out


# ---- protocol-buffer encoding -------------------------------------------------------------------------
def _varint(n):
    n &= (1 << 64) - 1   # negative int64s as two's complement, as protobuf does
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, value):
    return _varint(num << 3) + _varint(int(value))


def field_double(num, value):
    return _varint(num << 3 | 1) + struct.pack("<d", value)


def field_float(num, value):
    return _varint(num << 3 | 5) + struct.pack("<f", value)


def field_bytes(num, value):
    if isinstance(value, str):
        value = value.encode()
    return _varint(num << 3 | 2) + _varint(len(value)) + value


def packed_doubles(num, values):
    return field_bytes(num, b"".join(struct.pack("<d", float(v)) for v in values))


def event(wall_time, step=0, *, file_version=None, summary=None):
    """``Event``: wall_time=1 (double), step=2 (int64), file_version=3 (string), summary=5."""
    msg = field_double(1, wall_time) + field_varint(2, step)
    if file_version is not None:
        msg += field_bytes(3, file_version)
    if summary is not None:
        msg += field_bytes(5, summary)
    return msg


def summary_value(tag, *, simple_value=None, image=None, histo=None, metadata=None, tensor=None):
    """``Summary.Value``: tag=1, simple_value=2, image=4, histo=5, tensor=8, metadata=9; wrapped in a
    ``Summary`` (value=1)."""
    msg = field_bytes(1, tag)
    if simple_value is not None:
        msg += field_float(2, simple_value)
    if image is not None:
        msg += field_bytes(4, image)
    if histo is not None:
        msg += field_bytes(5, histo)
    if tensor is not None:
        msg += field_bytes(8, tensor)
    if metadata is not None:
        msg += field_bytes(9, metadata)
    return field_bytes(1, msg)


def histogram_proto(min_, max_, num, sum_, sum_squares, bucket_limits, buckets):
    """``HistogramProto``: min=1, max=2, num=3, sum=4, sum_squares=5, bucket_limit=6, bucket=7."""
    return (field_double(1, min_) + field_double(2, max_) + field_double(3, num) + field_double(4, sum_)
            + field_double(5, sum_squares) + packed_doubles(6, bucket_limits) + packed_doubles(7, buckets))


def image_proto(height, width, colorspace, png):
    """``Summary.Image``: height=1, width=2, colorspace=3, encoded_image_string=4."""
    return field_varint(1, height) + field_varint(2, width) + field_varint(3, colorspace) + field_bytes(4, png)


def text_tensor(text):
    """A string ``TensorProto`` (dtype=1: DT_STRING=7, tensor_shape=2 with one dim of size 1, string_val=8)
    and the ``SummaryMetadata`` naming the text plugin (plugin_data=1 {plugin_name=1})."""
    shape = field_bytes(2, field_varint(1, 1))            # TensorShapeProto.dim { size: 1 }
    tensor = field_varint(1, 7) + field_bytes(2, shape) + field_bytes(8, text)
    metadata = field_bytes(1, field_bytes(1, "text"))
    return tensor, metadata


# ---- decoding (for tests and for reading files back) -------------------------------------------------
def decode(msg):
    """A protobuf message as ``{field: [values]}``: varints as ints, fixed64 as doubles, fixed32 as floats,
    length-delimited fields as bytes (decode nested ones with another call)."""
    out, pos = {}, 0
    while pos < len(msg):
        key, pos = _read_varint(msg, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = _read_varint(msg, pos)
        elif wire == 1:
            val, pos = struct.unpack("<d", msg[pos:pos + 8])[0], pos + 8
        elif wire == 5:
            val, pos = struct.unpack("<f", msg[pos:pos + 4])[0], pos + 4
        elif wire == 2:
            n, pos = _read_varint(msg, pos)
            val, pos = msg[pos:pos + n], pos + n
        else:
            raise ValueError(f"protobuf: unsupported wire type {wire}")
        out.setdefault(num, []).append(val)
    return out


def _read_varint(msg, pos):
    n = shift = 0
    while True:
        b = msg[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, pos
