"""The committed sample set (samples/scans/), as data. Each entry is one scan file; see
samples/README.md for what each one exercises."""

from __future__ import annotations

from samples.scan import DocumentSpec, Effects, PageSpec

YELLOWISH = (250, 243, 222)

SAMPLE_SET: tuple[DocumentSpec, ...] = (
    DocumentSpec(
        file="to-khai-khai-sinh.jpg",
        template="to_khai_khai_sinh",
        font="Liberation Serif",
        dpi=300,
        colour_mode="grey",
        file_format="jpeg",
        jpeg_quality=60,
        pages=(PageSpec(1, Effects(skew_deg=2.5, noise=4.0)),),
    ),
    DocumentSpec(
        file="to-khai-cu-tru-ct01.png",
        template="to_khai_cu_tru_ct01",
        font="DejaVu Serif",
        dpi=200,
        colour_mode="grey",
        file_format="png",
        pages=(PageSpec(1, Effects(skew_deg=-4.0, blur_sigma=0.7)),),
    ),
    DocumentSpec(
        file="ho-kinh-doanh.tif",
        template="giay_de_nghi_ho_kinh_doanh",
        font="Liberation Sans",
        dpi=300,
        colour_mode="bilevel",
        file_format="tiff",
        tiff_compression="group4",
        pages=(
            PageSpec(1, Effects(skew_deg=1.0, speckles=40)),
            PageSpec(None, Effects(speckles=6)),  # the blank back of sheet 1
            PageSpec(2, Effects(skew_deg=-0.6, speckles=15)),
        ),
    ),
    DocumentSpec(
        file="don-dang-ky-dat-dai.pdf",
        template="don_dang_ky_dat_dai_04a",
        font="DejaVu Sans",
        dpi=200,
        colour_mode="colour",
        file_format="pdf",
        jpeg_quality=70,
        pages=(
            PageSpec(
                1,
                Effects(
                    skew_deg=-3.0,
                    lid="dark",
                    bed_margin_mm=4.0,
                    paper_tint=YELLOWISH,
                    show_through=0.06,
                    noise=2.0,
                ),
            ),
            PageSpec(2, Effects(rotation=180, skew_deg=0.4, paper_tint=YELLOWISH, noise=2.0)),
            PageSpec(
                3, Effects(rotation=90, skew_deg=-0.7, paper_tint=YELLOWISH, stamp=True, noise=2.0)
            ),
        ),
    ),
    DocumentSpec(
        file="ly-lich-tu-phap.jpg",
        template="to_khai_ly_lich_tu_phap",
        font="Liberation Serif",
        dpi=150,
        colour_mode="grey",
        file_format="jpeg",
        jpeg_quality=75,
        dpi_in_file=False,
        pages=(PageSpec(1, Effects(skew_deg=-1.5)),),
    ),
    DocumentSpec(
        file="giay-tiep-nhan.tif",
        template="giay_tiep_nhan_hen_tra",
        font="Liberation Serif",
        dpi=600,
        colour_mode="bilevel",
        file_format="tiff",
        tiff_compression="tiff_lzw",
        procedure="dang_ky_khai_sinh",
        pages=(PageSpec(1, Effects(rotation=270, skew_deg=0.8)),),
    ),
)
