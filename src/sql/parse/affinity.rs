//! SQLite's column affinities: of a table column, of a `CAST` target, and the
//! conversions a comparison applies between operands of two affinities.

use crate::sql::catalog::{Kind, SqlType};
use crate::sql::plan::{Affinity, CastType, Coerce};

pub(super) fn affinity_of(ty: SqlType, kind: Kind) -> Affinity {
    match (ty, kind) {
        (SqlType::Integer, _) => Affinity::Integer,
        (SqlType::Real, _) => Affinity::Real,
        (SqlType::Text, _) => Affinity::Text,
    }
}

pub(super) fn cast_affinity(t: CastType) -> Affinity {
    match t {
        CastType::Integer => Affinity::Integer,
        CastType::Real => Affinity::Real,
        CastType::Text => Affinity::Text,
        CastType::Numeric => Affinity::Numeric,
    }
}

/// The conversions SQLite applies before comparing operands of these affinities.
pub fn coerce_for(left: Affinity, right: Affinity) -> Coerce {
    let weak = |a: Affinity| matches!(a, Affinity::Text | Affinity::None);
    if left.is_numeric() && weak(right) {
        Coerce::NumericRight
    } else if right.is_numeric() && weak(left) {
        Coerce::NumericLeft
    } else if left == Affinity::Text && right == Affinity::None {
        Coerce::TextRight
    } else if right == Affinity::Text && left == Affinity::None {
        Coerce::TextLeft
    } else {
        Coerce::None
    }
}
