"""Writes branch/static/chime.wav: the board's two-tone "ding-dong" before each call (~30 KB).

    python scripts/make_chime.py

Two decaying sine tones (E5 then C5) with a few overtones, 16 kHz mono 16-bit:
small enough to ship, clear through a waiting room's loudspeaker.
"""
import math
import struct
import wave
from pathlib import Path

RATE = 16000
OUT = Path(__file__).resolve().parent.parent / "branch" / "static" / "chime.wav"
TONES = [(659.25, 0.0, 0.9), (523.25, 0.45, 1.0)]    # (hertz, start s, length s)


def sample(t):
    value = 0.0
    for hertz, start, length in TONES:
        s = t - start
        if 0 <= s < length:
            envelope = math.exp(-4.0 * s) * min(1.0, s / 0.005)
            value += envelope * (math.sin(2 * math.pi * hertz * s)
                                 + 0.3 * math.sin(4 * math.pi * hertz * s)
                                 + 0.1 * math.sin(6 * math.pi * hertz * s))
    return value


def main():
    seconds = max(start + length for _, start, length in TONES)
    frames = [sample(i / RATE) for i in range(int(seconds * RATE))]
    peak = max(abs(v) for v in frames) or 1.0
    data = b"".join(struct.pack("<h", int(v / peak * 0.8 * 32767)) for v in frames)
    with wave.open(str(OUT), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(data)
    print(f"{OUT}: {len(data)} bytes of audio")


if __name__ == "__main__":
    main()
