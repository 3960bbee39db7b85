"""The per-document chain, one module per stage, in the order of :data:`pipeline.clean.chain.STAGES`:
``read_documents``, ``extract_text``, ``repair_encoding``, ``strip_boilerplate``, ``segment_paragraphs``,
``tag_metadata``. The other modules here serve them: ``readers`` and ``charset`` (reading), ``pagetype``,
``guard`` and ``second_opinion`` (extraction), ``ftfy_check`` (repair), ``title`` and ``lineclass``
(boilerplate), ``credits`` (bylines, for segmentation and tagging), ``language`` and ``quality`` (tagging).
Every stage is a pure function over a :class:`~pipeline.document.Document`; none imports another stage.
"""
