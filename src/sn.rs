//! The public 23-character device serial-number rule.
