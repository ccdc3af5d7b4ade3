//! Device physics, one folder per device family. Nothing here parses or checks `.dyn` text:
//! the passes hand these modules plain, already-validated numbers.

pub mod bss2;
pub mod crossbar;
pub mod dynapse2;
