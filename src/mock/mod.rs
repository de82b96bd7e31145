//! placeholder: replaced by the mock implementation
