"""Protected studies: encryption at rest for the database (SQLCipher) and the media files.

``keyfile``: the study key (a random data key wrapped by a passphrase and by a recovery key) in
``focusdesk.key`` beside the database. ``keyring``: the data keys this process has unlocked, so
any reader of a media file (a job's child process included) finds its key by the id in the
file's header. ``sealed``: the chunked, authenticated file format of every media file in a
protected study. ``media``: one way to open a media file for reading, plain or sealed.
``convert``: protect and unprotect an existing study, crash-safe.
"""
