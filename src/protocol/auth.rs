//! Authentication as the model promises it (Castro & Liskov §3: "all replicas know the others'
//! public keys ... a faulty node cannot forge a signature of a non-faulty one"; §4.1 and TOCS'02
//! §3.2: clients authenticate their requests, replicas their protocol messages).
//!
//! **What the model promises.** A replica (or a byzantine behaviour wrapping one) can sign as
//! itself and nothing else; a client's request can only be made by that client. Any signed
//! value may be copied, kept, relayed, replayed or withheld (that is what a faulty replica can
//! do with messages it received), but never altered, and never made in another node's name.
//!
//! **How it is made sound.** Signatures are not bits to be guessed or computed: a [`Signed`]
//! value and a [`Request`] are opaque tokens whose fields are private to this crate, so code
//! outside it cannot build one, nor change one it holds (no field can be written, no
//! constructor is public). The only way to mint them is through a signing capability: a
//! [`Keyring`] signs only as the replica it belongs to, a [`ClientKey`] makes only its client's
//! requests. The engine mints every node's capability for a trial with [`trial_keys`] and hands
//! each node its own; a behaviour sees only its replica's keyring (`Replica::keyring`). Each
//! trial's capabilities carry a fresh trial identity, drawn from a process-wide counter (not from
//! the trial's seed, so that no knowledge of the scenario helps), and verification checks it:
//! a token carried over from another trial (through a `static`, say) is rejected. Anyone may
//! call [`trial_keys`], which is how tests build replicas, but what it mints belongs to a new
//! trial of its own and verifies nowhere else. The identity never reaches a result, so results
//! stay byte-identical from run to run.
//!
//! **Cost.** Signing copies the value beside the signer's id and the trial identity; verifying
//! compares the identity. That is cheaper than any keyed hash, so the model's promise costs
//! nothing per vote (a simulation needs unforgeability, not cryptography).

use std::sync::atomic::{AtomicU64, Ordering};

use super::message::{Batch, ClientId, ReplicaId, Request, RequestShape, Timestamp};

/// The identity of one trial's keys: tokens verify only within the trial that minted them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TrialId(u64);

impl std::fmt::Debug for TrialId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value differs from run to run; it is left out so that no debug output does.
        f.write_str("TrialId")
    }
}

impl TrialId {
    /// A trial identity no earlier call in this process returned.
    fn fresh() -> TrialId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TrialId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// Mints the signing capabilities of a new trial of `replicas` replicas and `clients` clients:
/// keyring `i` signs as replica `i`, client key `c` makes client `c`'s requests. They verify
/// one another and nothing minted by any other call.
pub fn trial_keys(replicas: u32, clients: u32) -> (Vec<Keyring>, Vec<ClientKey>) {
    let trial = TrialId::fresh();
    let keyrings = (0..replicas).map(|me| Keyring { me, trial }).collect();
    let client_keys = (0..clients)
        .map(|client| ClientKey { client, trial })
        .collect();
    (keyrings, client_keys)
}

/// Which protocol step a signed vote belongs to; part of what is signed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum VoteKind {
    /// `PRE-PREPARE(v, n, d)` by the primary.
    PrePrepare,
    /// `PREPARE(v, n, d, i)` by a backup.
    Prepare,
    /// `COMMIT(v, n, d, i)` by any replica; q of them certify a batch (a commit certificate).
    Commit,
}

/// A value signed by a replica: `⟨value⟩σi`. Only that replica's [`Keyring`] can make one, and
/// nobody can change its value or signer afterwards.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Signed<T> {
    signer: ReplicaId,
    trial: TrialId,
    value: T,
}

impl<T> Signed<T> {
    /// The replica that signed.
    pub fn signer(&self) -> ReplicaId {
        self.signer
    }

    /// The signed value.
    pub fn value(&self) -> &T {
        &self.value
    }
}

/// One value signed by several replicas of one trial: the `Signed` copies it was made from,
/// kept as one bit per signer beside the value and the trial identity instead of a 56-byte
/// copy each (measured: the votes of one request at n = 1024 took 173 MB at 64 bytes a vote).
/// It is no more proof than those copies: only a `Signed` value with the same value and trial
/// adds its signer (`add`), and what it gives back (`signed_by`, `iter`) is exactly the copy
/// that signer made, so nothing in it can be forged.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct Cosigned<T> {
    value: T,
    trial: TrialId,
    /// Bit `r % 64` of word `r / 64` is set for each signer `r`.
    signers: Vec<u64>,
    count: u32,
}

/// A signed value that `Cosigned::add` could not join: another value or another trial.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct OtherValue;

impl<T: Clone + PartialEq> Cosigned<T> {
    /// The value `signed` names, with its signer as the only one, and room for the signers
    /// `0..n` (so that a set growing to a quorum allocates once).
    pub fn new(signed: Signed<T>, n: u32) -> Cosigned<T> {
        let mut signers = vec![0u64; n.div_ceil(64) as usize];
        let (word, bit) = ((signed.signer / 64) as usize, signed.signer % 64);
        if signers.len() <= word {
            signers.resize(word + 1, 0);
        }
        signers[word] |= 1 << bit;
        Cosigned {
            value: signed.value,
            trial: signed.trial,
            signers,
            count: 1,
        }
    }

    /// Adds `signed`'s signer if `signed` names this value in this trial; returns whether the
    /// signer is new (one that signed already counts once).
    pub fn add(&mut self, signed: &Signed<T>) -> Result<bool, OtherValue> {
        if signed.trial != self.trial || signed.value != self.value {
            return Err(OtherValue);
        }
        let (word, bit) = ((signed.signer / 64) as usize, signed.signer % 64);
        if self.signers.len() <= word {
            self.signers.resize(word + 1, 0);
        }
        let new = self.signers[word] & (1 << bit) == 0;
        self.signers[word] |= 1 << bit;
        self.count += u32::from(new);
        Ok(new)
    }

    /// Drops `signer`'s signature, if it is there.
    pub fn remove(&mut self, signer: ReplicaId) {
        if self.contains(signer) {
            self.signers[(signer / 64) as usize] &= !(1 << (signer % 64));
            self.count -= 1;
        }
    }

    /// Whether `signer` signed.
    pub fn contains(&self, signer: ReplicaId) -> bool {
        self.signers
            .get((signer / 64) as usize)
            .is_some_and(|word| word & (1 << (signer % 64)) != 0)
    }

    /// Number of distinct signers.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether nobody signed (all removed).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The signers, in id order.
    pub fn signers(&self) -> impl Iterator<Item = ReplicaId> + '_ {
        self.signers.iter().enumerate().flat_map(|(w, &word)| {
            let base = (w as u32) * 64;
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some(base + bit)
            })
        })
    }

    /// `signer`'s signed copy of the value, if it signed.
    pub fn signed_by(&self, signer: ReplicaId) -> Option<Signed<T>> {
        self.contains(signer).then(|| self.copy_of(signer))
    }

    /// Every signer's signed copy, in signer order.
    pub fn iter(&self) -> impl Iterator<Item = Signed<T>> + '_ {
        self.signers().map(|signer| self.copy_of(signer))
    }

    fn copy_of(&self, signer: ReplicaId) -> Signed<T> {
        Signed {
            signer,
            trial: self.trial,
            value: self.value.clone(),
        }
    }
}

/// One replica's signing capability, and its means to verify everyone's signatures and the
/// clients' requests in its trial.
#[derive(Clone)]
pub struct Keyring {
    me: ReplicaId,
    trial: TrialId,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keyring(replica {})", self.me)
    }
}

impl Keyring {
    /// The replica this keyring signs for.
    pub fn owner(&self) -> ReplicaId {
        self.me
    }

    /// Signs `value` as this keyring's owner.
    pub fn sign<T>(&self, value: T) -> Signed<T> {
        Signed {
            signer: self.me,
            trial: self.trial,
            value,
        }
    }

    /// Whether `signed` was signed in this keyring's trial (by the replica it names: no other
    /// could have made it).
    pub fn verify<T>(&self, signed: &Signed<T>) -> bool {
        signed.trial == self.trial
    }

    /// Whether `request` was made by its client in this keyring's trial (§4.1: replicas accept
    /// only requests their client authenticated).
    pub fn authentic(&self, request: &Request) -> bool {
        request.trial() == self.trial
    }

    /// Whether every request in `batch` was made by its client in this keyring's trial (a
    /// backup rejects a pre-prepare, and a replica a certificate or fetched batch, that orders
    /// a request no client made; TOCS'02 §3.2).
    pub fn authentic_batch(&self, batch: &Batch) -> bool {
        batch.requests().iter().all(|r| self.authentic(r))
    }
}

/// One client's capability to make its requests, `REQUEST(o, t, c)σc` (§4.1).
#[derive(Clone)]
pub struct ClientKey {
    client: ClientId,
    trial: TrialId,
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientKey(client {})", self.client)
    }
}

impl ClientKey {
    /// The client this key belongs to.
    pub fn client(&self) -> ClientId {
        self.client
    }

    /// This client's request with `timestamp` for `operation`.
    pub fn request(&self, timestamp: Timestamp, operation: u64) -> Request {
        self.request_shaped(timestamp, operation, RequestShape::default())
    }

    /// This client's request with `timestamp` for `operation`, of `shape`.
    pub fn request_shaped(
        &self,
        timestamp: Timestamp,
        operation: u64,
        shape: RequestShape,
    ) -> Request {
        Request::authenticated(self.client, timestamp, operation, self.trial, shape)
    }
}

/// The crate's unit tests share one trial's keys: identity 0, which [`trial_keys`] never mints.
#[cfg(test)]
impl Keyring {
    /// Replica `me`'s keyring in the unit tests' trial.
    pub(crate) fn for_test(me: ReplicaId) -> Keyring {
        Keyring {
            me,
            trial: TrialId(0),
        }
    }
}

/// Client `client`'s request in the unit tests' trial (see [`Keyring::for_test`]).
#[cfg(test)]
pub(crate) fn test_request(client: ClientId, timestamp: Timestamp, operation: u64) -> Request {
    Request::authenticated(
        client,
        timestamp,
        operation,
        TrialId(0),
        RequestShape::default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::{Digest, Vote};

    fn vote() -> Vote {
        Vote {
            view: 1,
            seq: 2,
            digest: Digest([3; 16]),
        }
    }

    #[test]
    fn a_keyring_signs_as_its_owner_and_verifies_its_trial() {
        let (keys, _) = trial_keys(2, 0);
        let s = keys[0].sign((VoteKind::Prepare, vote()));
        assert!(keys[1].verify(&s));
        assert_eq!((s.signer(), keys[1].owner()), (0, 1));
    }

    #[test]
    fn tokens_of_another_trial_do_not_verify() {
        let (ours, our_clients) = trial_keys(2, 1);
        let (theirs, their_clients) = trial_keys(2, 1);
        let foreign = theirs[1].sign((VoteKind::Commit, vote()));
        assert!(!ours[0].verify(&foreign), "another trial's signature");
        assert!(theirs[0].verify(&foreign));
        let request = their_clients[0].request(1, 7);
        assert!(!ours[0].authentic(&request), "another trial's request");
        assert!(ours[0].authentic(&our_clients[0].request(1, 7)));
    }

    /// A signed vote carries the signer and the trial identity, 12 bytes beside the vote:
    /// smaller than the 128-bit keyed-hash tag it replaced (a signed vote was 64 bytes then).
    #[test]
    fn a_signed_vote_is_smaller_than_with_a_tag() {
        assert!(std::mem::size_of::<Signed<(VoteKind, Vote)>>() <= 56);
    }

    /// A cosigned value takes only copies of itself made in its trial, and gives back each
    /// signer's copy as it was signed, in signer order.
    #[test]
    fn cosigned_gives_back_exactly_the_copies_it_took() {
        let (keys, _) = trial_keys(130, 0);
        let (other_trial, _) = trial_keys(130, 0);
        let signed = |r: usize| keys[r].sign((VoteKind::Prepare, vote()));
        let mut set = Cosigned::new(signed(129), 100);
        for r in [3, 64, 3, 0] {
            assert!(set.add(&signed(r)).is_ok());
        }
        assert_eq!(set.len(), 4, "3 counted once");
        let other = keys[5].sign((VoteKind::Commit, vote()));
        assert_eq!(set.add(&other), Err(OtherValue), "another value");
        let foreign = other_trial[5].sign((VoteKind::Prepare, vote()));
        assert_eq!(set.add(&foreign), Err(OtherValue), "another trial");
        assert_eq!(set.signers().collect::<Vec<_>>(), [0, 3, 64, 129]);
        let copies: Vec<_> = set.iter().collect();
        assert_eq!(copies, [signed(0), signed(3), signed(64), signed(129)]);
        assert_eq!(set.signed_by(64), Some(signed(64)));
        assert_eq!(set.signed_by(5), None);
        set.remove(3);
        set.remove(3);
        assert_eq!((set.len(), set.contains(3)), (3, false));
    }

    #[test]
    fn trial_identities_never_reach_debug_output() {
        let (a, _) = trial_keys(1, 0);
        let (b, _) = trial_keys(1, 0);
        let (sa, sb) = (a[0].sign(5u8), b[0].sign(5u8));
        assert_ne!(sa, sb, "different trials");
        assert_eq!(format!("{sa:?}"), format!("{sb:?}"));
    }
}
