//! Uploading the region list and the cooperative register (admins only). The request body is the file itself:
//! CSV (UTF-8 or GB18030) or XLSX.

pub mod cooperatives;
pub mod regions;
