"""Media: photo metadata (EXIF), thumbnails and downscaled copies, and a content-addressed store.

Plain Python and Pillow, no Qt. The services layer uses :func:`photos.read_photo_info`,
:func:`photos.make_thumbnail`, :func:`photos.downscale` and :class:`store.MediaStore`;
every problem the user can fix is a :class:`errors.MediaError` naming the file.
"""
