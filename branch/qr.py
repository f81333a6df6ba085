"""QR codes drawn on the server (segno), as data: URIs: nothing loaded from elsewhere, CSP-safe."""
import segno


def svg_data_uri(text, scale=4):
    """An SVG QR code of `text` as a data: URI for <img src>; crisp on a thermal printer."""
    return segno.make(text, error="m").svg_data_uri(scale=scale, border=2)
