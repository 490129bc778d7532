"""Synthetic scans of Vietnamese administrative forms, with ground truth.

Sample data only: nothing here is used by the `digitize` library. Modules:

- `data`: static tables (names, provinces, streets, procedures) kept apart from code;
- `vntext`: Vietnamese number, money, date and area formatting;
- `people`: seeded synthetic identities and cases (one applicant's dossier);
- `templates`: the form templates, as data;
- `render`: draws a template filled with a case onto clean A4 pages;
- `degrade`: scan effects (skew, orientation, noise, stamp, binarisation...);
- `formats`: writers for JPEG, PNG, TIFF and image-only PDF;
- `scan`: the recipe of a scanned document (render -> degrade) and its truth records;
- `expected`: the normalised field values a document's truth lists as "expected";
- `output`: writes scan files (one or several documents each) and their truth;
- `sample_set`: the recipe of the committed files in samples/scans/;
- `labelled`: the labelled set for classification and extraction, and training texts;
- `generate`: the command line (`python -m samples.generate --help`);
- `ocr_check`: reads clean renders back with Tesseract and prints the error rate.
"""
