// Operator symbols PostgreSQL 18 defines in pg_catalog (SELECT DISTINCT oprname FROM
// pg_operator). An operator outside this set can only be user-defined, and a user-defined
// operator is a call to its (arbitrary) function, so it is judged like a function call.
// A user-defined operator that reuses a built-in symbol for its own types is invisible
// without the catalog: see "Known limits" in docs/classification.md.
export const BUILTIN_OPERATORS: ReadonlySet<string> = new Set(
  `!! !~ !~* !~~ !~~* # ## #- #> #>> % & && &< &<| &> * *< *<= *<> *= *> *>= + - -> ->> -|- / <
  <-> << <<= <<| <= <> <@ <^ = > >= >> >>= >^ ? ?# ?& ?- ?-| ?| ?|| @ @-@ @> @? @@ @@@ ^ ^@ |
  |&> |/ |>> || ||/ ~ ~* ~<=~ ~<~ ~= ~>=~ ~>~ ~~ ~~*`
    .split(/\s+/)
    .filter(Boolean),
);
