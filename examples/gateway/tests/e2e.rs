//! The whole chain with the real `electie-server` binary: one server, two gateways (two
//! polling places), several terminals each; tokens, valid, blank and refused votes;
//! synchronization, end, close; the server's published results and a recount of its
//! ballot feed equal exactly what was cast, and the chain heads of gateway and server
//! agree. The fault run does the same through a proxy that drops requests and
//! responses at random, with `kill -9` of a gateway during voting and during sync, of
//! the server during sync, and the server unreachable for a while; every acknowledged
//! vote arrives exactly once. Seeds are printed; `ELECTIE_E2E_SEED` replays one.
//!
//! The server binary is `electie-server` beside `electie-gateway` in the target
//! directory (`cargo test --workspace` builds it), or `ELECTIE_SERVER_BIN`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use electie_gateway::client::{ClientError, Commission, Terminal};
use electie_test_support::{publish_server_results, server_admin_token};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ADMIN_PASSWORD: &str = "e2e-admin-Ťažké-heslo";

/// SplitMix64: a small seeded generator, so a failing run can be replayed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn seed() -> u64 {
    electie_test_support::seed("ELECTIE_E2E_SEED")
}

// ---- the server process -----------------------------------------------------------------

fn run_server(args: &[&str], stdin: &str) -> String {
    let (status, stdout, stderr) = common::run_binary(&server_bin(), args, stdin);
    assert_eq!(status, 0, "electie-server {args:?}: {stderr}");
    stdout
}

// ---- a proxy that loses requests and responses ------------------------------------------------

/// Between the gateways and the server: forwards one HTTP/1.1 request per connection,
/// and at random closes the connection before forwarding (lost request) or after the
/// server answered (lost response). `down` refuses everything (server unreachable).
#[derive(Clone)]
struct Proxy {
    upstream: Arc<Mutex<SocketAddr>>,
    drop_percent: Arc<AtomicU64>,
    down: Arc<AtomicBool>,
    rng: Arc<Mutex<Rng>>,
    dropped_requests: Arc<AtomicU64>,
    dropped_responses: Arc<AtomicU64>,
    base: String,
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let read = stream.read(&mut chunk).await.ok()?;
                if read == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..read]);
            }
            // One request per connection: ask both sides to close after it.
            let mut request = buffer[..end].to_vec();
            request.extend_from_slice(b"\r\nconnection: close\r\n\r\n");
            request.extend_from_slice(&buffer[end + 4..]);
            return Some(request);
        }
    }
}

impl Proxy {
    async fn start(upstream: SocketAddr, seed: u64) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            upstream: Arc::new(Mutex::new(upstream)),
            drop_percent: Arc::new(AtomicU64::new(0)),
            down: Arc::new(AtomicBool::new(false)),
            rng: Arc::new(Mutex::new(Rng(seed))),
            dropped_requests: Arc::default(),
            dropped_responses: Arc::default(),
            base: format!("http://{}", listener.local_addr().unwrap()),
        };
        let accept = proxy.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let proxy = accept.clone();
                tokio::spawn(async move { proxy.serve(client).await });
            }
        });
        proxy
    }

    fn roll(&self) -> bool {
        let percent = self.drop_percent.load(Ordering::SeqCst);
        percent > 0 && self.rng.lock().unwrap().chance(percent)
    }

    async fn serve(&self, mut client: tokio::net::TcpStream) {
        if self.down.load(Ordering::SeqCst) {
            return;
        }
        let Some(request) = read_request(&mut client).await else {
            return;
        };
        if self.roll() {
            self.dropped_requests.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let upstream = *self.upstream.lock().unwrap();
        let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
            return;
        };
        if server.write_all(&request).await.is_err() {
            return;
        }
        let mut response = Vec::new();
        if server.read_to_end(&mut response).await.is_err() {
            return;
        }
        if self.roll() {
            self.dropped_responses.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let _ = client.write_all(&response).await;
        let _ = client.shutdown().await;
    }
}

// ---- the election -------------------------------------------------------------------------

/// What was cast and acknowledged, per polling place: party → votes, candidate →
/// preferential votes, blank votes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Tally {
    parties: BTreeMap<i64, u64>,
    candidates: BTreeMap<i64, u64>,
    blank: u64,
}

impl Tally {
    fn add(&mut self, party: Option<i64>, candidates: &[i64]) {
        match party {
            None => self.blank += 1,
            Some(party) => *self.parties.entry(party).or_default() += 1,
        }
        for candidate in candidates {
            *self.candidates.entry(*candidate).or_default() += 1;
        }
    }

    fn merge(&mut self, other: &Tally) {
        for (party, votes) in &other.parties {
            *self.parties.entry(*party).or_default() += votes;
        }
        for (candidate, votes) in &other.candidates {
            *self.candidates.entry(*candidate).or_default() += votes;
        }
        self.blank += other.blank;
    }

    fn votes(&self) -> u64 {
        self.parties.values().sum::<u64>() + self.blank
    }

    /// This tally with each candidate's votes under the first candidate of the same
    /// party with the same display name (what a results view that names candidates
    /// without ids can tell apart).
    fn by_display_name(&self, config: &electie_core::ElectionConfig) -> Tally {
        let first_namesake = |id: i64| {
            let candidates = config.candidates();
            let Some(candidate) = candidates.iter().find(|c| c.id.0 == id) else {
                return id;
            };
            candidates
                .iter()
                .find(|c| {
                    c.party_number == candidate.party_number
                        && c.display_name() == candidate.display_name()
                })
                .map_or(id, |first| first.id.0)
        };
        let mut candidates = BTreeMap::new();
        for (id, votes) in &self.candidates {
            *candidates.entry(first_namesake(*id)).or_default() += votes;
        }
        Tally {
            parties: self.parties.clone(),
            candidates,
            blank: self.blank,
        }
    }
}

/// A ballot the generator draws: valid (party with some of its candidates), blank, or
/// one the gateway refuses with a rule's message.
fn draw_ballot(
    rng: &mut Rng,
    config: &electie_core::ElectionConfig,
) -> (Option<i64>, Vec<i64>, Option<&'static str>) {
    let parties = config.parties();
    let party = &parties[rng.below(parties.len() as u64) as usize];
    let own: Vec<i64> = config
        .candidates()
        .iter()
        .filter(|c| c.party_number == party.party_number)
        .map(|c| c.id.0)
        .collect();
    let pick = |count: usize, rng: &mut Rng| {
        let mut chosen = Vec::new();
        while chosen.len() < count.min(own.len()) {
            let candidate = own[rng.below(own.len() as u64) as usize];
            if !chosen.contains(&candidate) {
                chosen.push(candidate);
            }
        }
        chosen
    };
    match rng.below(100) {
        0..=9 => (None, vec![], None),
        10..=13 => (
            Some(party.id.0),
            pick(6, rng),
            Some("Number of candidates is more than 5"),
        ),
        14..=16 => (Some(party.id.0 + 1000), vec![], Some("Invalid party id")),
        17..=19 => (
            None,
            pick(1, rng),
            Some(
                "When party_id is None there is no possibility to have length of candidate_ids greater than zero",
            ),
        ),
        _ => {
            let count = rng.below(5) as usize;
            (Some(party.id.0), pick(count, rng), None)
        }
    }
}

/// A polling room: its gateway process, commission, terminals and what they cast.
struct Room {
    polling_place: i64,
    dir: TempDir,
    gateway: Gateway,
    server_url: String,
    client: reqwest::Client,
    commission: Commission,
    terminals: Vec<Terminal>,
    cast: Tally,
    refused: u64,
}

async fn retry<T, F, Fut>(mut call: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match call().await {
            Ok(value) => return value,
            Err(error) if Instant::now() < deadline => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("gave up: {error}"),
        }
    }
}

impl Room {
    /// `init`, `pin` and the server's `enroll` for a polling place (before the server
    /// starts, as an election authority prepares its gateways).
    fn prepare(polling_place: i64, server_data: &Path) -> (i64, TempDir) {
        let dir = TempDir::new(&format!("e2e-gateway-{polling_place}"));
        let public = prepare_gateway(dir.path(), polling_place);
        let key_file = dir.path().join("gateway-public.pem");
        std::fs::write(&key_file, &public).unwrap();
        let server_pem = run_server(
            &[
                "enroll",
                "--data-dir",
                server_data.to_str().unwrap(),
                "--polling-place",
                &polling_place.to_string(),
                "--gateway-public-key",
                key_file.to_str().unwrap(),
            ],
            "",
        );
        assert!(
            server_pem.starts_with("-----BEGIN PUBLIC KEY-----"),
            "{server_pem}"
        );
        (polling_place, dir)
    }

    async fn open(
        (polling_place, dir): (i64, TempDir),
        server_url: &str,
        terminals: usize,
        sync_interval: &str,
    ) -> Room {
        let gateway = Gateway::start(dir.path(), server_url, sync_interval);
        let client = http();
        let commission = commission_registering_terminals(&client, &gateway.base).await;
        let mut registered = Vec::new();
        for _ in 0..terminals {
            registered.push(
                Terminal::register(client.clone(), &gateway.base)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(commission.start().await.unwrap().status, 200);
        Room {
            polling_place,
            dir,
            gateway,
            server_url: server_url.to_owned(),
            client,
            commission,
            terminals: registered,
            cast: Tally::default(),
            refused: 0,
        }
    }

    async fn relogin(&mut self) {
        let (client, base) = (self.client.clone(), self.gateway.base.clone());
        self.commission = retry(|| Commission::login(client.clone(), &base, PIN)).await;
    }

    /// Restarts the gateway on its address (after a kill -9).
    async fn restart(&mut self) {
        let address = self.gateway.address.to_string();
        self.gateway.kill();
        self.gateway = Gateway::start_on(self.dir.path(), &self.server_url, "1", &address);
        self.relogin().await;
    }

    async fn issue_token(&mut self) -> String {
        loop {
            match self.commission.issue_token().await {
                Ok(token) => return token,
                Err(ClientError::Refused(answer)) if answer.status == 401 => self.relogin().await,
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Casts one drawn ballot through terminal `index`, retrying across gateway
    /// restarts; records it when the gateway acknowledged it (200, or 403 for a retry
    /// of a vote whose answer was lost: only a stored vote uses a token).
    async fn vote(&mut self, rng: &mut Rng, config: &electie_core::ElectionConfig, index: usize) {
        let (party, candidates, refusal) = draw_ballot(rng, config);
        let token = self.issue_token().await;
        let terminal = &self.terminals[index % self.terminals.len()];
        let mut uncertain = false;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            match terminal.vote(&token, party, &candidates).await {
                Ok(answer) if answer.status == 200 => {
                    assert!(
                        refusal.is_none(),
                        "the gateway accepted a ballot breaking {refusal:?}"
                    );
                    self.cast.add(party, &candidates);
                    return;
                }
                Ok(answer) if answer.status == 400 => {
                    assert_eq!(answer.detail(), refusal, "{party:?} {candidates:?}");
                    self.refused += 1;
                    return;
                }
                Ok(answer) if answer.status == 403 && uncertain => {
                    assert_eq!(answer.detail(), Some("Token is invalid."));
                    self.cast.add(party, &candidates);
                    return;
                }
                Ok(answer) => panic!("unexpected answer to a vote: {answer:?}"),
                Err(_) if Instant::now() < deadline => {
                    uncertain = true;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("gateway unreachable for 2 minutes: {error}"),
            }
        }
    }

    async fn statistics(&self) -> Value {
        self.client
            .post(format!(
                "{}/synchronization-service-api/statistics",
                self.gateway.base
            ))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn end(&mut self) {
        loop {
            match self.commission.end().await {
                Ok(answer) if answer.status == 200 => return,
                Ok(answer) if answer.status == 401 => self.relogin().await,
                Ok(answer) => panic!("end refused: {answer:?}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Waits until every vote is confirmed and the polling place closed.
    async fn wait_closed(&self, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(response) = self
                .client
                .post(format!(
                    "{}/synchronization-service-api/statistics",
                    self.gateway.base
                ))
                .send()
                .await
                && let Ok(stats) = response.json::<Value>().await
                && !stats["closed"].is_null()
            {
                return stats;
            }
            assert!(
                Instant::now() < deadline,
                "polling place {} not closed in time: {}\n{}",
                self.polling_place,
                self.statistics().await,
                self.gateway.log_text()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// The server's published results and its feed against what was cast.
async fn check_server(server_url: &str, rooms: &[&Room], config: &electie_core::ElectionConfig) {
    let client = http();
    let mut expected = Tally::default();
    for room in rooms {
        expected.merge(&room.cast);
        // Chain heads: gateway (its close), server (sync-state) agree.
        let stats = room.statistics().await;
        let state: Value = client
            .get(format!(
                "{server_url}/elections/sync-state?polling_place_id={}",
                room.polling_place
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(state["closed"], true, "{state}");
        assert_eq!(
            state["last_seqno"], stats["closed"]["last_seqno"],
            "{state} vs {stats}"
        );
        assert_eq!(
            state["chain_head"], stats["closed"]["chain_head"],
            "{state} vs {stats}"
        );
        assert_eq!(
            stats["statistics"]["all_count"].as_u64().unwrap(),
            room.cast.votes(),
            "{stats}"
        );
        assert_eq!(stats["statistics"]["unsyncronized_count"], 0, "{stats}");
        assert_eq!(stats["statistics"]["rejected_count"], 0, "{stats}");
    }

    // Publish, then read the results.
    let bearer = server_admin_token(&client, server_url, "admin", ADMIN_PASSWORD).await;
    publish_server_results(&client, server_url, &bearer).await;
    // Published results per locality (votes, no seat allocation): summed over regions.
    let localities: Value = client
        .post(format!("{server_url}/elastic/get-results-by-locality"))
        .json(&json!({"filter_by": "region_code"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut published = Tally::default();
    let mut all_votes = 0;
    for locality in localities
        .as_array()
        .unwrap_or_else(|| panic!("{localities}"))
    {
        all_votes += locality["doc_count"].as_u64().unwrap();
        for row in locality["parties"].as_array().unwrap() {
            let votes = row["doc_count"].as_u64().unwrap();
            if votes > 0 {
                *published
                    .parties
                    .entry(row["id"].as_str().unwrap().parse().unwrap())
                    .or_default() += votes;
            }
            // Candidates are named here ("degrees first last"), within their party.
            let party_id: i64 = row["id"].as_str().unwrap().parse().unwrap();
            let party = config
                .parties()
                .iter()
                .find(|p| p.id.0 == party_id)
                .unwrap();
            for candidate in row["candidates"].as_array().into_iter().flatten() {
                let votes = candidate["doc_count"].as_u64().unwrap();
                let name = candidate["name"].as_str().unwrap();
                let id = config
                    .candidates()
                    .iter()
                    .find(|c| c.party_number == party.party_number && c.display_name() == name)
                    .unwrap_or_else(|| panic!("no candidate {name:?} in party {party_id}"))
                    .id
                    .0;
                if votes > 0 {
                    *published.candidates.entry(id).or_default() += votes;
                }
            }
        }
    }
    published.blank = all_votes - published.parties.values().sum::<u64>();
    // The original shape names candidates without their ids, and NR SR 2020 has
    // namesakes within one party (party 20 lists three names twice), so the comparison
    // is by name: each namesake's votes under the first of them, as looked up above.
    assert_eq!(
        published,
        expected.by_display_name(config),
        "published results"
    );

    // The party results with seats agree too, unless the few test votes tie for a seat
    // (which the server reports instead of drawing lots).
    let response = client
        .post(format!("{server_url}/elastic/get-parties-results"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let results: Value = response.json().await.unwrap();
    if status == 200 {
        let parties: BTreeMap<i64, u64> = results
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                (
                    row["id"].as_str().unwrap().parse().unwrap(),
                    row["doc_count"].as_u64().unwrap(),
                )
            })
            .filter(|(_, votes)| *votes > 0)
            .collect();
        assert_eq!(parties, expected.parties, "party results");
    } else {
        assert!(
            results["detail"]
                .as_str()
                .is_some_and(|detail| detail.starts_with("tie")),
            "{status} {results}"
        );
    }

    // The ballot feed, recounted.
    let elections = get_json(&client, &format!("{server_url}/feed/elections")).await;
    let election = elections["elections"][0]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(election, config.election_id());
    let mut recount = Tally::default();
    let mut from = 1;
    loop {
        let batch = get_json(
            &client,
            &format!("{server_url}/feed/elections/{election}/batchfrom/{from}"),
        )
        .await;
        let ballots = batch["batch"].as_array().unwrap();
        for ballot in ballots {
            assert_eq!(ballot["seqno"], from);
            assert!(ballot.get("token").is_none());
            let candidates: Vec<i64> = ballot["candidate_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_i64().unwrap())
                .collect();
            recount.add(ballot["party_id"].as_i64(), &candidates);
            from += 1;
        }
        if (ballots.len() as u64) < batch["batchmaxsize"].as_u64().unwrap() {
            break;
        }
    }
    assert_eq!(recount, expected, "the ballot feed recounted");
}

struct Election {
    server_dir: TempDir,
    server: Service,
    config: electie_core::ElectionConfig,
    prepared: Vec<(i64, TempDir)>,
}

/// A server with an admin and two enrolled gateways (polling places 0 and 1).
fn election() -> Election {
    let server_dir = TempDir::new("e2e-server");
    let data = server_dir.path().to_str().unwrap().to_owned();
    run_server(
        &[
            "admin",
            "--data-dir",
            &data,
            "--username",
            "admin",
            "--password-stdin",
        ],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    let prepared = vec![
        Room::prepare(0, server_dir.path()),
        Room::prepare(1, server_dir.path()),
    ];
    let server = serve_server(server_dir.path());
    Election {
        server_dir,
        server,
        config: nrsr_2020(),
        prepared,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_gateways_cast_sync_close_and_the_server_publishes_exactly_that() {
    let seed = seed();
    eprintln!("e2e seed {seed} (ELECTIE_E2E_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let mut election = election();
    let server_url = election.server.base.clone();
    let mut prepared = std::mem::take(&mut election.prepared).into_iter();
    let mut first = Room::open(prepared.next().unwrap(), &server_url, 3, "1").await;
    let mut second = Room::open(prepared.next().unwrap(), &server_url, 2, "1").await;
    for index in 0..40 {
        first.vote(&mut rng, &election.config, index).await;
        second.vote(&mut rng, &election.config, index).await;
    }
    first.end().await;
    second.end().await;
    first.wait_closed(Duration::from_secs(60)).await;
    second.wait_closed(Duration::from_secs(60)).await;
    assert!(
        first.refused + second.refused > 0,
        "the generator drew refused ballots"
    );
    assert!(
        first.cast.blank + second.cast.blank > 0,
        "the generator drew blank ballots"
    );
    check_server(&server_url, &[&first, &second], &election.config).await;
    // A closed polling place never starts again.
    let again = first.commission.start().await.unwrap();
    assert_eq!(
        (again.status, again.body),
        (409, json!({"detail": "Polling place is closed"}))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_acknowledged_vote_arrives_exactly_once_through_faults() {
    let seed = seed();
    eprintln!("fault seed {seed} (ELECTIE_E2E_SEED={seed} replays it)");
    let mut rng = Rng(seed);
    let mut election = election();
    let proxy = Proxy::start(election.server.address, rng.next()).await;
    let mut prepared = std::mem::take(&mut election.prepared).into_iter();
    let mut first = Room::open(prepared.next().unwrap(), &proxy.base, 3, "1").await;
    let mut second = Room::open(prepared.next().unwrap(), &proxy.base, 2, "1").await;

    // Requests and responses lost at random all along.
    proxy.drop_percent.store(20, Ordering::SeqCst);
    for index in 0..15 {
        first.vote(&mut rng, &election.config, index).await;
        second.vote(&mut rng, &election.config, index).await;
    }

    // kill -9 of a gateway during voting.
    let kill_after = 3 + rng.below(8) as usize;
    eprintln!("fault: kill -9 of gateway 0 after {kill_after} more votes");
    for index in 0..12 {
        if index == kill_after {
            first.gateway.kill();
            first.restart().await;
        }
        first.vote(&mut rng, &election.config, index).await;
    }

    // The server unreachable for a while: votes are taken, then delivered.
    proxy.down.store(true, Ordering::SeqCst);
    eprintln!("fault: server unreachable");
    for index in 0..20 {
        first.vote(&mut rng, &election.config, index).await;
        second.vote(&mut rng, &election.config, index).await;
    }
    proxy.down.store(false, Ordering::SeqCst);

    // kill -9 of a gateway during sync: votes pile up offline, then the gateway dies
    // shortly after the server comes back.
    proxy.down.store(true, Ordering::SeqCst);
    for index in 0..30 {
        second.vote(&mut rng, &election.config, index).await;
    }
    let delay = Duration::from_millis(rng.below(400));
    eprintln!("fault: kill -9 of gateway 1 {delay:?} into its sync");
    proxy.down.store(false, Ordering::SeqCst);
    let _ = second
        .client
        .post(format!(
            "{}/synchronization-service-api/synchronize",
            second.gateway.base
        ))
        .timeout(delay.max(Duration::from_millis(1)))
        .send()
        .await;
    second.gateway.kill();
    second.restart().await;

    // kill -9 of the server during sync.
    proxy.down.store(true, Ordering::SeqCst);
    for index in 0..30 {
        first.vote(&mut rng, &election.config, index).await;
    }
    proxy.down.store(false, Ordering::SeqCst);
    let delay = Duration::from_millis(50 + rng.below(400));
    eprintln!("fault: kill -9 of the server {delay:?} after it is reachable again");
    tokio::time::sleep(delay).await;
    election.server.kill();
    tokio::time::sleep(Duration::from_millis(rng.below(1500))).await;
    election.server = serve_server(election.server_dir.path());
    *proxy.upstream.lock().unwrap() = election.server.address;

    for index in 0..10 {
        first.vote(&mut rng, &election.config, index).await;
        second.vote(&mut rng, &election.config, index).await;
    }
    first.end().await;
    second.end().await;
    first.wait_closed(Duration::from_secs(120)).await;
    second.wait_closed(Duration::from_secs(120)).await;
    eprintln!(
        "proxy lost {} requests and {} responses",
        proxy.dropped_requests.load(Ordering::SeqCst),
        proxy.dropped_responses.load(Ordering::SeqCst)
    );
    assert!(
        proxy.dropped_requests.load(Ordering::SeqCst)
            + proxy.dropped_responses.load(Ordering::SeqCst)
            > 0
    );
    proxy.drop_percent.store(0, Ordering::SeqCst);
    let server_url = election.server.base.clone();
    check_server(&server_url, &[&first, &second], &election.config).await;
}
