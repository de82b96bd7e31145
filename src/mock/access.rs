//! Who sees which image, as Glance decides it with its default (secure RBAC) policy. Two
//! questions with different answers: may a project *see* an image (GET by id, a marker, its
//! data, its members), and does a *list* include it. A list leaves out other projects'
//! community images unless asked for, shares not yet accepted (per `member_status`), and
//! `os_hidden` images; an admin sees every project's private images but still gets those rules
//! for community and hidden images.

use super::model::{Image, MemberStatus};

/// The project (and role) a token acts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    pub project: &'static str,
    pub admin: bool,
}

/// Which shares of other projects a list includes: `member_status`, default `accepted`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shares {
    Only(MemberStatus),
    /// Accepted and pending shares: the default list of the `pending-share-listed` quirk.
    AcceptedOrPending,
    All,
}

impl Shares {
    /// Glance's `member_status` values; anything else is a 400.
    pub fn parse(value: &str) -> Option<Shares> {
        Some(match value {
            "pending" => Shares::Only(MemberStatus::Pending),
            "accepted" => Shares::Only(MemberStatus::Accepted),
            "rejected" => Shares::Only(MemberStatus::Rejected),
            "all" => Shares::All,
            _ => return None,
        })
    }

    fn admits(self, status: MemberStatus) -> bool {
        match self {
            Shares::All => true,
            Shares::AcceptedOrPending => status != MemberStatus::Rejected,
            Shares::Only(s) => s == status,
        }
    }
}

/// Glance's `visibility` filter values (`all` included); anything else but empty is a 400.
pub const VISIBILITIES: &[&str] = &["community", "public", "private", "shared", "all"];

/// Whether the viewer may see the image at all: GET by id, a marker, `/file`, members.
pub fn can_see(img: &Image, v: Viewer) -> bool {
    if img.status == "deleted" {
        return false;
    }
    v.admin
        || img.owner == v.project
        || matches!(img.visibility, "public" | "community")
        || (img.visibility == "shared" && img.membership(v.project).is_some())
}

/// Whether a list with this `visibility` (`None`: not given) and `member_status` includes the
/// image, `os_hidden` aside.
pub fn listed(img: &Image, v: Viewer, visibility: Option<&str>, shares: Shares) -> bool {
    if img.status == "deleted" {
        return false;
    }
    let own = img.owner == v.project;
    let shared_with_viewer = img.membership(v.project).is_some_and(|m| shares.admits(m.status));
    let share_listed = img.visibility == "shared" && (own || v.admin || shared_with_viewer);
    match visibility {
        None => own || img.visibility == "public" || share_listed || (v.admin && img.visibility == "private"),
        Some("all") => listed(img, v, None, shares) || img.visibility == "community",
        Some("public") => img.visibility == "public",
        Some("community") => img.visibility == "community",
        Some("private") => img.visibility == "private" && (own || v.admin),
        Some("shared") => share_listed,
        // `visibility=` (empty) is a filter no image matches.
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::identity::{OTHER_PROJECT_ID, PROJECT_ID};
    use super::super::images::catalogue;
    use super::*;

    const DEMO: Viewer = Viewer {
        project: PROJECT_ID,
        admin: false,
    };
    const ALT: Viewer = Viewer {
        project: OTHER_PROJECT_ID,
        admin: false,
    };

    fn named(name: &str) -> Image {
        catalogue(0)
            .into_iter()
            .find(|i| i.name.as_deref() == Some(name))
            .expect("a fixed image")
    }

    #[test]
    fn shares_are_listed_by_member_status_and_seen_in_any() {
        let accepted = Shares::Only(MemberStatus::Accepted);
        let pending = named("alt-shared-to-demo-pending");
        assert!(!listed(&pending, DEMO, None, accepted));
        assert!(listed(&pending, DEMO, None, Shares::parse("pending").expect("valid")));
        assert!(listed(&pending, DEMO, Some("shared"), Shares::All));
        assert!(can_see(&pending, DEMO), "a marker or GET works for a pending share");
        assert!(listed(&pending, ALT, None, accepted), "the owner lists its own share");
        assert!(Shares::parse("bogus").is_none());
    }

    #[test]
    fn community_images_of_others_only_when_asked_for() {
        let mut img = named("public-hidden");
        img.visibility = "community";
        assert!(!listed(&img, DEMO, None, Shares::All));
        assert!(listed(&img, DEMO, Some("community"), Shares::All));
        assert!(listed(&img, DEMO, Some("all"), Shares::All));
        assert!(listed(&img, ALT, None, Shares::All), "its owner lists it");
        assert!(can_see(&img, DEMO));
        img.visibility = "private";
        assert!(!can_see(&img, DEMO) && !listed(&img, DEMO, Some("all"), Shares::All));
        let admin = Viewer {
            project: "somewhere-else",
            admin: true,
        };
        assert!(can_see(&img, admin) && listed(&img, admin, None, Shares::All));
        assert!(!listed(&img, DEMO, Some(""), Shares::All));
    }
}
