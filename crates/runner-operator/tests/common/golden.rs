//! Golden files: expected output checked in beside the tests, regenerated on request.

/// Compares `actual` with the golden file at `path`, or writes it when `UPDATE_GOLDEN` is set.
/// `case` names the fixture in the failure message, which shows both sides.
pub fn assert_golden(case: &str, path: &std::path::Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        expected == actual,
        "{case}: output differs from {}; review and regenerate with UPDATE_GOLDEN=1.\n\
         --- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}
