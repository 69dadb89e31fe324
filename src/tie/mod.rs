//! TIE
