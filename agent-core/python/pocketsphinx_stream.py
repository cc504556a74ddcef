#!/usr/bin/python3
"""Streaming PocketSphinx recogniser for Callgate's agent-core (one process per call).

Started by agent-core/src/providers/stt/pocketsphinx/pocketsphinx-stt.ts. Speaks a small binary protocol:

stdin, frames of  [1 byte type][4 bytes little-endian payload length][payload]:
  b'A'  audio: PCM16 little-endian, mono, at --samprate (16 kHz; the Node side upsamples the 8 kHz phone audio)
  b'F'  flush: payload = uint32 LE sequence number. Ends the current utterance now and answers with its final.
  b'P'  ping:  payload = uint32 LE sequence number. Answered with a pong once everything before it is decoded.
  b'C'  close: exit cleanly (end of stdin does the same).

stdout, one JSON object per line:
  {"type":"ready","pid":..,"importMs":..,"decoderInitMs":..}
  {"type":"partial","text":".."}                  the hypothesis changed (checked every --partial-interval-ms of audio)
  {"type":"final","text":"..","confidence":0..1,"seq":n|null,"reason":"flush"|"max_length",
   "audioMs":..,"cpuMs":..,"endMs":..,"maxRssKb":..}
  {"type":"pong","seq":n}
  {"type":"error","code":"module_missing"|"model_missing"|"decoder_failed"|"protocol"|"internal","message":".."}

Errors are also written to stderr; the exit status is non-zero after an error.
"""

import argparse
import json
import os
import resource
import struct
import sys
import tempfile
import time

T0 = time.monotonic()
OUT = sys.stdout
# one minute of 16 kHz PCM16; Node sends 20 ms frames, so anything near this means the framing is broken
MAX_FRAME_BYTES = 60 * 16000 * 2


def emit(obj):
    OUT.write(json.dumps(obj, separators=(",", ":")) + "\n")
    OUT.flush()


def fail(code, message, status):
    sys.stderr.write("pocketsphinx_stream: %s: %s\n" % (code, message))
    sys.stderr.flush()
    try:
        emit({"type": "error", "code": code, "message": message})
    except (BrokenPipeError, OSError):
        pass
    sys.exit(status)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hmm", required=True, help="acoustic model directory (e.g. .../model/en-us/en-us)")
    p.add_argument("--dict", required=True, help="pronunciation dictionary")
    p.add_argument("--lm", required=True, help="ARPA or binary language model")
    p.add_argument("--samprate", type=int, default=16000, help="sample rate of the audio frames")
    p.add_argument("--partial-interval-ms", type=int, default=200)
    p.add_argument("--max-utterance-ms", type=int, default=60000,
                   help="an utterance this long ends by itself (final with reason max_length)")
    p.add_argument("--idle-reset-ms", type=int, default=10000,
                   help="an utterance with no words and no speech this long is restarted silently")
    p.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                   help="extra decoder option, e.g. -lw=7.0 (repeatable)")
    return p.parse_args()


def load_decoder(args):
    try:
        from pocketsphinx import Decoder
    except ImportError as e:
        fail("module_missing",
             "the Python module 'pocketsphinx' is not importable by %s (%s); install the Debian packages "
             "pocketsphinx pocketsphinx-en-us python3-pocketsphinx" % (sys.executable, e), 3)
    import_ms = (time.monotonic() - T0) * 1000.0

    for path, what in ((args.hmm, "acoustic model directory"), (args.dict, "dictionary"), (args.lm, "language model")):
        if not os.path.exists(path):
            fail("model_missing", "%s not found: %s (Debian package pocketsphinx-en-us)" % (what, path), 4)
    for name in ("mdef", "means", "variances", "transition_matrices"):
        if not os.path.exists(os.path.join(args.hmm, name)):
            fail("model_missing", "acoustic model incomplete: %s lacks %s" % (args.hmm, name), 4)

    t = time.monotonic()
    try:
        config = typed_config(Decoder, args.option)
        config.set_string("-hmm", args.hmm)
        config.set_string("-dict", args.dict)
        config.set_string("-lm", args.lm)
        config.set_string("-logfn", os.devnull)
        decoder = Decoder(config)
    except SystemExit:
        raise
    except Exception as e:  # the SWIG binding raises RuntimeError with little detail
        fail("decoder_failed", "could not create the decoder (%s: %s)" % (type(e).__name__, e), 5)
    return decoder, import_ms, (time.monotonic() - t) * 1000.0


def typed_config(Decoder, options):
    """The default configuration plus `-name=value` options, parsed by PocketSphinx itself from an argument
    file so that every value gets its declared type (the binding's set_int on a float option corrupts it)."""
    if not options:
        return Decoder.default_config()
    lines = []
    for opt in options:
        name, sep, value = opt.partition("=")
        if not sep or not name.startswith("-") or not value or any(ch.isspace() for ch in opt):
            fail("protocol", "bad --option %r (expected -name=value)" % opt, 6)
        lines.append("%s %s\n" % (name, value))
    fd, path = tempfile.mkstemp(prefix="pocketsphinx-", suffix=".args")
    try:
        with os.fdopen(fd, "w") as f:
            f.writelines(lines)
        config = Decoder.file_config(path)
    finally:
        os.unlink(path)
    if config is None:
        fail("decoder_failed", "PocketSphinx rejected the decoder options %s" % " ".join(options), 5)
    return config


def read_exact(stream, n):
    chunks = []
    while n > 0:
        b = stream.read(n)
        if not b:
            return None
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


class Recogniser:
    def __init__(self, decoder, args):
        self.d = decoder
        self.rate = args.samprate
        self.partial_every = max(1, args.samprate * args.partial_interval_ms // 1000)
        self.max_samples = args.samprate * args.max_utterance_ms // 1000
        self.idle_reset = args.samprate * args.idle_reset_ms // 1000
        self.in_utt = False
        self.samples = 0
        self.since_check = 0
        self.last_partial = ""
        self.cpu0 = 0.0

    def _begin(self):
        self.d.start_utt()
        self.in_utt = True
        self.samples = 0
        self.since_check = 0
        self.last_partial = ""
        self.cpu0 = time.process_time()

    def audio(self, pcm):
        if len(pcm) < 2:
            return
        if len(pcm) % 2:
            pcm = pcm[:-1]
        if not self.in_utt:
            self._begin()
        self.d.process_raw(pcm, False, False)
        n = len(pcm) // 2
        self.samples += n
        self.since_check += n
        if self.since_check < self.partial_every:
            return
        self.since_check = 0
        hyp = self.d.hyp()
        text = hyp.hypstr if hyp is not None else ""
        if text and text != self.last_partial:
            self.last_partial = text
            emit({"type": "partial", "text": text})
        if self.samples >= self.max_samples and text:
            self.final(None, "max_length")
        elif not text and self.samples >= self.idle_reset and not self.d.get_in_speech():
            # nothing but silence/noise so far: start over so the search does not grow without bound
            self.d.end_utt()
            self._begin()

    def word_confidence(self):
        """Mean lattice posterior of the recognised words (fillers and silences left out); 0 when unknown.
        The posterior of the whole hypothesis is not used: alternative silence/filler segmentations dilute it
        to near 0 even for a correct transcript."""
        try:
            logmath = self.d.get_logmath()
            posts = [logmath.exp(seg.prob) for seg in self.d.seg()
                     if not (seg.word.startswith("<") or seg.word.startswith("[") or seg.word.startswith("+"))]
        except Exception:  # no lattice (e.g. -bestpath no): unknown
            return 0.0
        return sum(posts) / len(posts) if posts else 0.0

    def final(self, seq, reason):
        t = time.monotonic()
        text = ""
        confidence = 0.0
        audio_ms = 0.0
        cpu_ms = 0.0
        if self.in_utt:
            self.d.end_utt()
            self.in_utt = False
            audio_ms = self.samples * 1000.0 / self.rate
            hyp = self.d.hyp()
            if hyp is not None and hyp.hypstr:
                text = hyp.hypstr
                confidence = self.word_confidence()
            cpu_ms = (time.process_time() - self.cpu0) * 1000.0
        emit({"type": "final", "text": text, "confidence": round(min(max(confidence, 0.0), 1.0), 4), "seq": seq,
              "reason": reason, "audioMs": round(audio_ms, 1), "cpuMs": round(cpu_ms, 1),
              "endMs": round((time.monotonic() - t) * 1000.0, 1),
              "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})


def main():
    args = parse_args()
    decoder, import_ms, init_ms = load_decoder(args)
    rec = Recogniser(decoder, args)
    emit({"type": "ready", "pid": os.getpid(), "importMs": round(import_ms, 1), "decoderInitMs": round(init_ms, 1)})
    stdin = sys.stdin.buffer
    while True:
        header = read_exact(stdin, 5)
        if header is None:
            break
        kind = header[0:1]
        (length,) = struct.unpack("<I", header[1:5])
        if length > MAX_FRAME_BYTES:
            fail("protocol", "frame of %d bytes (more than %d): the stream is out of step" % (length, MAX_FRAME_BYTES), 6)
        payload = read_exact(stdin, length) if length else b""
        if payload is None:
            break
        if kind == b"A":
            rec.audio(payload)
        elif kind == b"F":
            seq = struct.unpack("<I", payload[:4])[0] if len(payload) >= 4 else None
            rec.final(seq, "flush")
        elif kind == b"P":
            seq = struct.unpack("<I", payload[:4])[0] if len(payload) >= 4 else None
            emit({"type": "pong", "seq": seq})
        elif kind == b"C":
            break
        else:
            fail("protocol", "unknown frame type %r" % kind, 6)
    if rec.in_utt:
        decoder.end_utt()


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
    except SystemExit:
        raise
    except Exception as e:
        fail("internal", "%s: %s" % (type(e).__name__, e), 7)
