"""Cleaning evidence files of what identifies the reporter, keeping the evidence whole (R7).

``sandbox`` runs each cleaner on an untrusted file in a child process with CPU, memory, file-size
and time limits (inside bubblewrap where it is installed); ``child`` is that process. The cleaners,
one module per family of formats, each take the file's bytes and return the cleaned bytes and
what they removed: ``images`` (JPEG, PNG, GIF, WebP: metadata segments dropped, pixels and frames
untouched), ``media`` (ffmpeg remux without metadata), ``documents`` (PDF with pikepdf, Office
Open XML and OpenDocument zips). ``readable`` turns what was removed into labelled lines for the
protection officer.
"""
