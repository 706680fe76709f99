// Runs under kotlinc on the JVM, against the generated bindings and the real cdylib
// (uniffi::build_foreign_language_testcases!, tests/kotlin.rs). Self-contained: a
// small gateway configuration is written inline, with a gateway key made here.

import sk.electie.terminal.*

fun expectEqual(expected: Any?, actual: Any?, what: String) {
    if (expected != actual) throw AssertionError("$what: expected <$expected>, got <$actual>")
}

inline fun <reified E : Throwable> expectThrows(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (error: Throwable) {
        if (error is E) return error
        throw AssertionError("$what: expected ${E::class.simpleName}, got $error")
    }
    throw AssertionError("$what: expected ${E::class.simpleName}, nothing was thrown")
}

// Key generation: the terminal's pair, and one playing the gateway.
val terminalKeys = TerminalKeyPair.generate()
expectEqual(2048u, terminalKeys.bits(), "default key size")
check(terminalKeys.publicKeyPem().startsWith("-----BEGIN PUBLIC KEY-----\n")) { "public PEM is SPKI" }
check(terminalKeys.publicKeyPem().endsWith("-----END PUBLIC KEY-----")) { "no trailing newline" }
check(terminalKeys.privateKeyPem().startsWith("-----BEGIN RSA PRIVATE KEY-----\n")) { "private PEM is PKCS#1" }
val restored = TerminalKeyPair.fromPrivateKeyPem(terminalKeys.privateKeyPem())
expectEqual(terminalKeys.publicKeyPem(), restored.publicKeyPem(), "restored key pair")
expectThrows<TerminalException.InvalidKey>("key from garbage") { TerminalKeyPair.fromPrivateKeyPem("not a key") }
expectThrows<TerminalException.InvalidKey>("public key given as private") {
    TerminalKeyPair.fromPrivateKeyPem(terminalKeys.publicKeyPem())
}
expectThrows<TerminalException.InvalidKey>("tiny key") { TerminalKeyPair.generateWithBits(256u) }
val gatewayKeys = TerminalKeyPair.generate()

val gatewayPem = gatewayKeys.publicKeyPem().replace("\n", "\\n")
val configJson = """
{
  "parties": [
    {"_id": 0, "party_number": 1, "name": "Strana prvá", "abbr": "SP", "color": "#ff0000", "image": "sp.png", "candidates": [
      {"_id": 11, "party_number": 1, "order": 2, "first_name": "Ľubica", "last_name": "Nováková", "degrees_before": "Ing.", "age": 41},
      {"_id": 10, "party_number": 1, "order": 1, "first_name": "Ján", "last_name": "Kováč", "degrees_before": ""}
    ]},
    {"_id": 1, "party_number": 2, "name": "Strana druhá", "candidates": [
      {"_id": 20, "party_number": 2, "order": 1, "first_name": "Eva", "last_name": "Malá"},
      {"_id": 21, "party_number": 2, "order": 2, "first_name": "Peter", "last_name": "Veľký"},
      {"_id": 22, "party_number": 2, "order": 3, "first_name": "Jana", "last_name": "Stredná"},
      {"_id": 23, "party_number": 2, "order": 4, "first_name": "Marek", "last_name": "Horný"},
      {"_id": 24, "party_number": 2, "order": 5, "first_name": "Zora", "last_name": "Dolná"}
    ]}
  ],
  "key_pairs": [{"polling_place_id": 7, "public_key_pem": "$gatewayPem", "g_public_key_pem": "$gatewayPem"}],
  "texts": {"elections_name_short": {"sk": "Voľby", "en": "Election"}, "election_date": {"sk": "29. 2. 2020", "en": "29 Feb 2020"}},
  "polling_place": {"region_code": 1, "region_name": "Bratislavský kraj", "administrative_area_code": 101, "county_code": 101,
                    "municipality_code": 528595, "municipality_name": "Bratislava - Staré Mesto", "polling_place_number": 3,
                    "registered_voters_count": 900},
  "election_id": "nrsr_2020",
  "max_candidates": 4
}
"""

// Loading and listing.
val config = GatewayConfig.fromJson(configJson)
expectEqual(7L, config.pollingPlaceId(), "polling place id")
expectEqual("nrsr_2020", config.electionId(), "election id")
expectEqual(4u, config.maxCandidates(), "max candidates")
expectEqual(gatewayKeys.publicKeyPem(), config.gatewayPublicKeyPem(), "gateway public key")
expectEqual(LocalizedText("Voľby", "Election"), config.texts().nameShort, "short name")
expectEqual(null, config.texts().contact, "no contact")
val parties = config.parties()
expectEqual(listOf(0L, 1L), parties.map { it.id }, "party ids")
expectEqual("Strana prvá", parties[0].name, "party name")
expectEqual(listOf(10L, 11L), parties[0].candidates.map { it.id }, "candidates in list order")
expectEqual("Ing. Ľubica Nováková", parties[0].candidates[1].displayName, "display name")
expectEqual(41L, parties[0].candidates[1].age, "age")
expectEqual(null, parties[0].candidates[0].age, "unknown age")
expectEqual(parties[1], config.party(1L), "party by id")
expectEqual(null, config.party(99L), "unknown party")

expectThrows<TerminalException.InvalidConfig>("not JSON") { GatewayConfig.fromJson("{") }
expectThrows<TerminalException.InvalidConfig>("server form") { GatewayConfig.fromJson("""{"parties": []}""") }
expectThrows<TerminalException.InvalidConfig>("wrong type") {
    GatewayConfig.fromJson(configJson.replace("\"party_number\": 2, \"name\"", "\"party_number\": \"2\", \"name\""))
}

// Building and validating votes: rules 4-8 with the server's exact messages.
expectEqual(Ballot(null, listOf()), blankBallot(), "blank ballot")
expectEqual(Ballot(1L, listOf(20L)), partyBallot(1L, listOf(20L)), "party ballot")
config.validate(blankBallot())
config.validate(partyBallot(1L, listOf()))
config.validate(partyBallot(1L, listOf(24L, 20L, 22L, 21L)))
expectEqual(null, config.rejection(partyBallot(0L, listOf(11L))), "valid vote has no rejection")

fun expectRejected(ballot: Ballot, message: String) {
    val error = expectThrows<TerminalException.VoteRejected>("validate $ballot") { config.validate(ballot) }
    expectEqual(message, error.message, "message for $ballot")
    expectEqual(message, config.rejection(ballot), "rejection for $ballot")
}
expectRejected(partyBallot(1L, listOf(20L, 21L, 22L, 23L, 24L)), "Number of candidates is more than 4")
expectRejected(partyBallot(1L, listOf(20L, 20L)), "Duplicate candidates ids")
expectRejected(Ballot(null, listOf(20L)),
    "When party_id is None there is no possibility to have length of candidate_ids greater than zero")
expectRejected(partyBallot(1L, listOf(20L, 10L)), "Invalid candidates ids - candidate |10| is not in party |1|")
expectRejected(partyBallot(1L, listOf(-1L)), "Invalid candidates ids - candidate |-1| is not in party |1|")
expectRejected(partyBallot(5L, listOf()), "Invalid party id")
expectRejected(partyBallot(5L, listOf(20L)), "Invalid party id")

// Sealing for the gateway.
val sealer = VoteSealer(config, terminalKeys, config.gatewayPublicKeyPem()!!)
val tokenCheck = sealer.sealTokenCheck("a1b2c3")
val vote = sealer.sealVote("a1b2c3", partyBallot(1L, listOf(21L)))
val base64 = Regex("^[A-Za-z0-9+/]+={0,2}$")
for (payload in listOf(tokenCheck, vote, sealer.sealVote("d4", blankBallot()))) {
    check(base64.matches(payload.encryptedMessage)) { "encrypted_message is base64" }
    check(base64.matches(payload.encryptedObject)) { "encrypted_object is base64" }
    expectEqual(344, payload.encryptedObject.length, "one 2048-bit RSA block")
}
check(vote != sealer.sealVote("a1b2c3", partyBallot(1L, listOf(21L)))) { "fresh randomness per seal" }
expectEqual(
    "{\"encrypted_message\": \"${vote.encryptedMessage}\", \"encrypted_object\": \"${vote.encryptedObject}\"}",
    sealedPayloadToJson(vote),
    "payload JSON",
)
val refused = expectThrows<TerminalException.VoteRejected>("sealing an invalid vote") {
    sealer.sealVote("a1b2c3", partyBallot(0L, listOf(20L)))
}
expectEqual("Invalid candidates ids - candidate |20| is not in party |0|", refused.message, "sealing refuses")
expectThrows<TerminalException.InvalidKey>("bad gateway key") { VoteSealer(config, terminalKeys, "-----BEGIN PUBLIC KEY-----") }

println("test_terminal.kts: all checks passed")
