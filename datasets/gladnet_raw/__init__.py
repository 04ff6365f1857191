"""gladnet_raw: synthetic low-light pairs from RAW and sRGB photos."""
