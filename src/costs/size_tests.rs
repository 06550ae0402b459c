//! Each message kind's size, worked out by hand for one case (sizes: envelope 42, header 32,
//! digest 16, MAC 8, signature 128; n = 4).

use std::sync::Arc;

use super::*;
use crate::protocol::auth::{trial_keys, VoteKind};
use crate::protocol::message::{
    Batch, Checkpoint, PrePrepare, PreparedProof, Reply, RequestShape, StatusReport, ViewChange,
    Vote,
};
use crate::protocol::message::{HeldSlot, NewView};

const SIZES: WireSizes = WireSizes {
    envelope_bytes: 42,
    header_bytes: 32,
    digest_bytes: 16,
    mac_bytes: 8,
    signature_bytes: 128,
};

fn cx(auth: Auth) -> SizeContext<'static> {
    SizeContext {
        sizes: &SIZES,
        auth,
        digest_replies: true,
        n: 4,
        result_bytes: 4096,
        authenticated: true,
    }
}

const P2P: Addressing = Addressing::PointToPoint;
const TO_BACKUPS: Addressing = Addressing::Multicast { recipients: 3 };
const R0: NodeId = NodeId::Replica(0);

fn vote(seq: u64) -> Vote {
    Vote {
        view: 0,
        seq,
        digest: crate::protocol::message::Digest([0; 16]),
    }
}

/// A batch of two requests of 100 and 0 argument bytes, and a signed pre-prepare for it.
fn pre_prepare() -> PrePrepare {
    let (keyrings, clients) = trial_keys(4, 2);
    let shape = RequestShape {
        arg_bytes: 100,
        ..RequestShape::default()
    };
    let batch = Batch::new(vec![
        clients[0].request_shaped(1, 1, shape),
        clients[1].request(1, 2),
    ]);
    PrePrepare {
        signed: keyrings[0].sign((VoteKind::PrePrepare, vote(1))),
        batch,
    }
}

#[test]
fn requests_votes_and_checkpoints() {
    let (keyrings, clients) = trial_keys(4, 1);
    let shape = RequestShape {
        arg_bytes: 4096,
        ..RequestShape::default()
    };
    let request = Message::Request(clients[0].request_shaped(1, 1, shape));
    // 42 + 32 + 4096 + one MAC 8 = 4178; to all four replicas: an authenticator of 4 = 4202.
    let client = NodeId::Client(0);
    assert_eq!(wire_bytes(&request, client, P2P, &cx(Auth::Macs)), 4178);
    let to_all = Addressing::Multicast { recipients: 4 };
    assert_eq!(wire_bytes(&request, client, to_all, &cx(Auth::Macs)), 4202);
    // With signatures: 42 + 32 + 4096 + 128 = 4298 however many receive it.
    assert_eq!(
        wire_bytes(&request, client, to_all, &cx(Auth::Signatures)),
        4298
    );
    let prepare = Message::Prepare(keyrings[1].sign((VoteKind::Prepare, vote(1))));
    // 42 + 32 + digest 16 + authenticator of 3 MACs 24 = 114.
    assert_eq!(
        wire_bytes(&prepare, NodeId::Replica(1), TO_BACKUPS, &cx(Auth::Macs)),
        114
    );
    let checkpoint = Message::Checkpoint(keyrings[1].sign(Checkpoint {
        seq: 128,
        state: vote(0).digest,
    }));
    // 42 + 32 + 16 + one signature 128 = 218.
    let signatures = cx(Auth::Signatures);
    assert_eq!(wire_bytes(&checkpoint, R0, TO_BACKUPS, &signatures), 218);
    // Unauthenticated (the unreplicated baseline): 42 + 32 + 4096 = 4170.
    let bare = SizeContext {
        authenticated: false,
        ..cx(Auth::Macs)
    };
    assert_eq!(wire_bytes(&request, client, P2P, &bare), 4170);
}

#[test]
fn a_pre_prepare_carries_its_requests_inline() {
    let pp = Message::PrePrepare(pre_prepare());
    // Body: digest 16 + request 1 (32 + 100 + client authenticator 4 x 8 = 164) + request 2
    // (32 + 0 + 32 = 64) = 244; 42 + 32 + 244 + authenticator of 3 MACs 24 = 342.
    assert_eq!(wire_bytes(&pp, R0, TO_BACKUPS, &cx(Auth::Macs)), 342);
    // Signatures: each request 32 + arg + 128: 260 and 160; body 16 + 420 = 436;
    // 42 + 32 + 436 + 128 = 638. Two embedded signed requests to verify.
    assert_eq!(wire_bytes(&pp, R0, TO_BACKUPS, &cx(Auth::Signatures)), 638);
    assert_eq!(embedded_signed(&pp), 2);
}

#[test]
fn only_the_designated_replier_sends_the_full_result() {
    let reply = Message::Reply(Reply {
        view: 5,
        timestamp: 1,
        result: 1,
        tentative: false,
    });
    let to_client = |from| wire_bytes(&reply, NodeId::Replica(from), P2P, &cx(Auth::Macs));
    // View 5 at n = 4: replica 1 is its primary: 42 + 32 + 4096 + 8 = 4178; the others send
    // the digest: 42 + 32 + 16 + 8 = 98.
    assert_eq!(to_client(1), 4178);
    assert_eq!(to_client(0), 98);
    let full = SizeContext {
        digest_replies: false,
        ..cx(Auth::Macs)
    };
    assert_eq!(wire_bytes(&reply, R0, P2P, &full), 4178);
    // A null result is smaller than its digest: sent as it is, 42 + 32 + 0 + 8 = 82.
    let null = SizeContext {
        result_bytes: 0,
        ..cx(Auth::Macs)
    };
    assert_eq!(wire_bytes(&reply, R0, P2P, &null), 82);
}

#[test]
fn certificates_count_their_signed_votes() {
    let (keyrings, _) = trial_keys(4, 2);
    let pp = pre_prepare();
    let prepares: Vec<_> = (1..3)
        .map(|r| keyrings[r].sign((VoteKind::Prepare, vote(1))))
        .collect();
    let proof = PreparedProof {
        pre_prepare: pp.signed.clone(),
        batch: Arc::clone(&pp.batch),
        prepares,
    };
    let checkpoint = keyrings[0].sign(Checkpoint {
        seq: 0,
        state: vote(0).digest,
    });
    let vc = ViewChange {
        new_view: 1,
        stable_seq: 0,
        stable_state: vote(0).digest,
        checkpoint_proof: vec![checkpoint.clone(), checkpoint],
        prepared: vec![proof],
    };
    // Macs: a signed vote is 32 + 16 + 4 x 8 = 80; the batch is 164 + 64 = 228 (above).
    // Body: 16 + 2 checkpoints x 80 + (pre-prepare 80 + batch 228 + 2 prepares x 80) = 644;
    // 42 + 32 + 644 + authenticator 24 = 742.
    let message = Message::ViewChange(Arc::new(keyrings[0].sign(vc.clone())));
    assert_eq!(wire_bytes(&message, R0, TO_BACKUPS, &cx(Auth::Macs)), 742);
    // Embedded: 2 checkpoints + (1 pre-prepare + 2 requests + 2 prepares) = 7.
    assert_eq!(embedded_signed(&message), 7);
    let nv = NewView {
        view: 1,
        view_changes: vec![Arc::new(keyrings[0].sign(vc))],
        pre_prepares: vec![pre_prepare()],
    };
    // One view-change inline: 32 + 644 + its authenticator 32 = 708; one pre-prepare: signed
    // vote 80 + batch 228 = 308. 42 + 32 + 708 + 308 + 24 = 1114.
    let new_view = Message::NewView(Arc::new(keyrings[1].sign(nv)));
    assert_eq!(
        wire_bytes(&new_view, NodeId::Replica(1), TO_BACKUPS, &cx(Auth::Macs)),
        1114
    );
    // Embedded: (1 + 7) + (1 + 2) = 11.
    assert_eq!(embedded_signed(&new_view), 11);
    let certificate = Message::CommitCertificate {
        batch: Arc::clone(&pre_prepare().batch),
        commits: (0..3)
            .map(|r| keyrings[r].sign((VoteKind::Commit, vote(1))))
            .collect(),
    };
    // 228 + 3 x 80 = 468; 42 + 32 + 468 + 8 = 550.
    assert_eq!(wire_bytes(&certificate, R0, P2P, &cx(Auth::Macs)), 550);
    let batch = Message::Batch {
        seq: 1,
        batch: pre_prepare().batch,
    };
    // 42 + 32 + 228 + 8 = 310.
    assert_eq!(wire_bytes(&batch, R0, P2P, &cx(Auth::Macs)), 310);
}

#[test]
fn small_messages_have_fixed_sizes() {
    let fetch = Message::FetchState { seq: 128 };
    // 42 + 32 + 0 + 8 = 82.
    assert_eq!(wire_bytes(&fetch, R0, P2P, &cx(Auth::Macs)), 82);
    let fetch_batch = Message::FetchBatch {
        seq: 3,
        digest: vote(0).digest,
    };
    // 42 + 32 + 16 + 8 = 98.
    assert_eq!(wire_bytes(&fetch_batch, R0, P2P, &cx(Auth::Macs)), 98);
    let report = StatusReport {
        slots: vec![HeldSlot {
            seq: 4,
            commits: vec![(0, Default::default())],
            ..HeldSlot::default()
        }],
        view_changes: vec![1, 2],
        ..StatusReport::default()
    };
    // One slot with one view of commits: 8 + 2 bitmaps x (8 + ceil(4/8) = 9) = 26; two
    // view-change senders 8; body 34; 42 + 32 + 34 + 24 = 132.
    let status = Message::Status(Arc::new(report));
    assert_eq!(wire_bytes(&status, R0, TO_BACKUPS, &cx(Auth::Macs)), 132);
    let snapshot = crate::protocol::message::Snapshot {
        seq: 0,
        service: Default::default(),
    };
    // An empty reply table: 42 + 32 + 16 + 8 = 98.
    let state = Message::State(Arc::new(snapshot));
    assert_eq!(wire_bytes(&state, R0, P2P, &cx(Auth::Macs)), 98);
}
