// Run by tests/kotlin.rs (kotlin_sealed_vote_opens_in_rust) with arguments:
//   <gateway config.json of NR SR 2020, built by the Rust test with real keys> <out dir> <token>
// Loads the configuration, checks votes against it, generates the terminal's key pair
// and seals the token check and votes for the gateway; the Rust test then opens every
// file written here with the gateway's private key and checks it field by field.

import java.io.File
import sk.electie.terminal.*

fun expectEqual(expected: Any?, actual: Any?, what: String) {
    if (expected != actual) throw AssertionError("$what: expected <$expected>, got <$actual>")
}

val configPath = args[0]
val outDir = File(args[1])
val token = args[2]

val config = GatewayConfig.fromJson(File(configPath).readText())
val parties = config.parties()
expectEqual(25, parties.size, "NR SR 2020 parties")
expectEqual(5u, config.maxCandidates(), "max candidates")
val party10 = config.party(10L)!!
expectEqual(150, party10.candidates.size, "candidates of party 10")
check(party10.candidates.any { it.id == 1075L }) { "candidate 1075 is on party 10's list" }
val otherParty = parties.first { it.id != 10L }

val chosen = party10.candidates.take(3).map { it.id }
config.validate(partyBallot(10L, chosen))
config.validate(blankBallot())
val tooMany = party10.candidates.take(6).map { it.id }
expectEqual("Number of candidates is more than 5", config.rejection(partyBallot(10L, tooMany)), "rule 4")
val stranger = otherParty.candidates.first().id
try {
    config.validate(partyBallot(10L, listOf(chosen[0], stranger)))
    throw AssertionError("a candidate of another party was accepted")
} catch (error: TerminalException.VoteRejected) {
    expectEqual("Invalid candidates ids - candidate |$stranger| is not in party |10|", error.message, "rule 7")
}

val terminalKeys = TerminalKeyPair.generate()
File(outDir, "terminal_public.pem").writeText(terminalKeys.publicKeyPem())
val sealer = VoteSealer(config, terminalKeys, config.gatewayPublicKeyPem()!!)
File(outDir, "token_check.json").writeText(sealedPayloadToJson(sealer.sealTokenCheck(token)))
File(outDir, "vote.json").writeText(sealedPayloadToJson(sealer.sealVote(token, partyBallot(10L, chosen))))
File(outDir, "vote_ids.txt").writeText(chosen.joinToString(","))
File(outDir, "blank_vote.json").writeText(sealedPayloadToJson(sealer.sealVote(token, blankBallot())))
println("seal_for_rust.kts: sealed for the gateway of polling place ${config.pollingPlaceId()}")
