"""Finds the messages of an Arrow IPC stream and the fields to patch in them (a tiny flatbuffer walk).

Only what write_hostile.py and the offsets fixture need: message framing (0xFFFFFFFF, int32 metadata
length, flatbuffer Message, body), a RecordBatch's length, FieldNodes and Buffers, in place.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Optional

CONTINUATION = 0xFFFFFFFF
SCHEMA, DICTIONARY_BATCH, RECORD_BATCH = 1, 2, 3


def u16(data: bytes | bytearray, at: int) -> int:
    """Little-endian uint16 at `at`."""
    return struct.unpack_from("<H", data, at)[0]


def u32(data: bytes | bytearray, at: int) -> int:
    """Little-endian uint32 at `at`."""
    return struct.unpack_from("<I", data, at)[0]


def i32(data: bytes | bytearray, at: int) -> int:
    """Little-endian int32 at `at`."""
    return struct.unpack_from("<i", data, at)[0]


def i64(data: bytes | bytearray, at: int) -> int:
    """Little-endian int64 at `at`."""
    return struct.unpack_from("<q", data, at)[0]


def field_position(data: bytes | bytearray, table: int, index: int) -> Optional[int]:
    """Where field `index` of the flatbuffer table at `table` is stored, or None when absent."""
    vtable = table - i32(data, table)
    entry = 4 + 2 * index
    if entry >= u16(data, vtable):
        return None
    offset = u16(data, vtable + entry)
    return table + offset if offset else None


def referenced(data: bytes | bytearray, at: int) -> int:
    """The target of the uoffset stored at `at` (a table, vector or string)."""
    return at + u32(data, at)


@dataclass(frozen=True)
class Message:
    """One encapsulated IPC message: where it starts, its metadata and its body."""

    start: int
    metadata_start: int
    metadata_length: int
    body_start: int
    body_length: int
    header_type: int
    header: int  # the header table (Schema, DictionaryBatch or RecordBatch), absolute

    @property
    def end(self) -> int:
        """The first byte after the body."""
        return self.body_start + self.body_length


def read_message(data: bytes | bytearray, start: int) -> Optional[Message]:
    """The message at `start`, or None at the end-of-stream marker or the end of the bytes."""
    if start + 8 > len(data) or u32(data, start) != CONTINUATION or i32(data, start + 4) == 0:
        return None
    metadata_start, metadata_length = start + 8, i32(data, start + 4)
    root = referenced(data, metadata_start)
    header_type = data[field_position(data, root, 1)]
    header = referenced(data, field_position(data, root, 2))
    body_field = field_position(data, root, 3)
    body_length = i64(data, body_field) if body_field is not None else 0
    return Message(start, metadata_start, metadata_length, metadata_start + metadata_length, body_length,
                   header_type, header)


def messages(data: bytes | bytearray) -> list[Message]:
    """Every message of a stream, in order (the end-of-stream marker not included)."""
    found: list[Message] = []
    position = 0
    while (message := read_message(data, position)) is not None:
        found.append(message)
        position = message.end
    return found


def record_batch_table(data: bytes | bytearray, message: Message) -> int:
    """The RecordBatch table of a record batch message (or of a dictionary batch's data)."""
    if message.header_type == DICTIONARY_BATCH:
        return referenced(data, field_position(data, message.header, 1))
    return message.header


def struct_vector(data: bytes | bytearray, table: int, index: int) -> list[int]:
    """Positions of the 16-byte structs (FieldNode or Buffer) in vector field `index` of a table."""
    vector = referenced(data, field_position(data, table, index))
    return [vector + 4 + 16 * i for i in range(u32(data, vector))]


def length_position(data: bytes | bytearray, batch: int) -> int:
    """Where a RecordBatch stores its row count (int64)."""
    position = field_position(data, batch, 0)
    if position is None:
        raise ValueError("record batch without a stored length")
    return position


def node_positions(data: bytes | bytearray, batch: int) -> list[int]:
    """FieldNode structs {length: int64, null_count: int64} of a RecordBatch."""
    return struct_vector(data, batch, 1)


def buffer_positions(data: bytes | bytearray, batch: int) -> list[int]:
    """Buffer structs {offset: int64, length: int64} of a RecordBatch (offset relative to the body)."""
    return struct_vector(data, batch, 2)


def put_i32(data: bytearray, at: int, value: int) -> None:
    """Writes a little-endian int32 in place."""
    struct.pack_into("<i", data, at, value)


def put_i64(data: bytearray, at: int, value: int) -> None:
    """Writes a little-endian int64 in place."""
    struct.pack_into("<q", data, at, value)
