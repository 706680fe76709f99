//! The Swift bindings: no Swift compiler can be installed on these machines, so uniffi
//! generates them from this build's library (library mode, as an iOS build would) and
//! the test checks that every exported declaration is there
//! (`tests/bindings/swift_api.txt`), with the C header and module map Swift imports.
//! The Kotlin sources are generated the same way and checked for their package; they
//! run on the JVM in `tests/kotlin.rs`.

mod common;

use std::fs;

use uniffi_bindgen::bindings::TargetLanguage;

/// `text` with every whitespace character removed.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_declares(file: &std::path::Path, declaration: &str) {
    let text = fs::read_to_string(file)
        .unwrap_or_else(|error| panic!("{} was not generated: {error}", file.display()));
    assert!(
        squeezed(&text).contains(&squeezed(declaration)),
        "{} does not declare: {declaration}",
        file.display()
    );
}

/// The library of this build and a fresh output directory with `language` bindings.
fn generated(language: TargetLanguage, name: &str) -> common::Outcome<std::path::PathBuf> {
    let library = common::built_library()?;
    let out = common::scratch(name)?;
    common::generate_bindings(language, &library, &out)?;
    Ok(out)
}

#[test]
fn swift_bindings_declare_the_exported_api() -> common::Outcome<()> {
    let out = generated(TargetLanguage::Swift, "swift-bindings")?;

    let swift = out.join("ElectieTerminal.swift");
    let api = include_str!("bindings/swift_api.txt");
    let declarations: Vec<&str> = api
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .collect();
    assert!(declarations.len() > 30, "the declaration list is cut short");
    for declaration in declarations {
        assert_declares(&swift, declaration);
    }
    assert_declares(
        &out.join("ElectieTerminalFFI.modulemap"),
        "module ElectieTerminalFFI",
    );
    let header = out.join("ElectieTerminalFFI.h");
    assert_declares(
        &header,
        "uniffi_electie_uniffi_fn_constructor_gatewayconfig_from_json",
    );
    assert_declares(
        &header,
        "uniffi_electie_uniffi_fn_method_votesealer_seal_vote",
    );
    Ok(())
}

#[test]
fn kotlin_bindings_are_generated_in_their_package() -> common::Outcome<()> {
    let out = generated(TargetLanguage::Kotlin, "kotlin-bindings")?;

    let kotlin = out.join("sk/electie/terminal/electie_uniffi.kt");
    assert_declares(&kotlin, "package sk.electie.terminal");
    assert_declares(&kotlin, "sealed class TerminalException(message: String)");
    Ok(())
}
