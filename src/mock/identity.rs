//! Who the mock knows: projects, users, their passwords, roles and fixed tokens. One directory
//! answers for Keystone (who may have a token), Glance and Nova (whose token this is, which
//! project it is scoped to, whether it is an admin's).
//!
//! Tokens are fixed strings (the configured token, and suffixed ones for the other users) so
//! that the same configuration gives the same answers; Keystone still issues them through the
//! usual flows and introspects every one of them.

use super::MockConfig;

/// The default user's project (the tenant of the compute paths).
pub const PROJECT_ID: &str = "5d2f7c0a9b8e4c1d8a7f6e5d4c3b2a10";
/// The alt user's project: owner of the images shared with the default project.
pub const OTHER_PROJECT_ID: &str = "9b8d61f7a2c34e5f8d7c6b5a4f3e2d1c";
/// The admin user's project.
pub const ADMIN_PROJECT_ID: &str = "ad0a1b2c3d4e4f5a8b9c0d1e2f3a4b5c";
/// A project without a user of its own: owner of images only an admin sees.
pub const THIRD_PROJECT_ID: &str = "3c4d5e6f708192a3b4c5d6e7f8091a2b";
pub const THIRD_PROJECT: &str = "third";

pub const DEFAULT_USER: &str = "demo";
pub const DEFAULT_PASSWORD: &str = "demo-password";
pub const DEFAULT_PROJECT: &str = "demo";
pub const DEFAULT_USER_ID: &str = "d3e4f5a6b7c84d9e8f7a6b5c4d3e2f10";
pub const ALT_USER: &str = "alt";
pub const ALT_PASSWORD: &str = "alt-password";
pub const ALT_PROJECT: &str = "alt";
pub const ALT_USER_ID: &str = "a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d";
/// The alt user's token: the configured token with this suffix.
pub const ALT_TOKEN_SUFFIX: &str = "-alt";
pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password";
pub const ADMIN_PROJECT: &str = "admin";
pub const ADMIN_USER_ID: &str = "ad1e2f3a4b5c4d6e8f7a6b5c4d3e2f1a";
/// The admin user's token: the configured token with this suffix.
pub const ADMIN_TOKEN_SUFFIX: &str = "-admin";
pub const APP_CREDENTIAL_ID: &str = "imgconform-app-credential";
pub const APP_CREDENTIAL_NAME: &str = "imgconform";
pub const APP_CREDENTIAL_SECRET: &str = "imgconform-app-credential-secret";

pub const DOMAIN_ID: &str = "default";
pub const DOMAIN_NAME: &str = "Default";

/// Keystone's role ids (names `admin`, `member`, `reader`: admin implies member implies
/// reader, and a token lists the implied roles too).
pub const ROLE_ADMIN_ID: &str = "8e9fa0b1c2d34e5f8071829304a5b6c7";
pub const ROLE_MEMBER_ID: &str = "6f1f1f0e5d4c4b3a92817060504030a1";
pub const ROLE_READER_ID: &str = "7a2b3c4d5e6f40718293a4b5c6d7e8f9";

/// One user with its project, scoped token and roles.
#[derive(Clone, Debug)]
pub struct Identity {
    pub user: String,
    pub user_id: &'static str,
    pub password: String,
    pub project: String,
    pub project_id: &'static str,
    /// Role (id, name) pairs, as a token lists them.
    pub roles: &'static [(&'static str, &'static str)],
    pub token: String,
}

impl Identity {
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|(_, name)| *name == "admin")
    }
}

const MEMBER_ROLES: &[(&str, &str)] = &[(ROLE_MEMBER_ID, "member"), (ROLE_READER_ID, "reader")];
const ADMIN_ROLES: &[(&str, &str)] = &[
    (ROLE_ADMIN_ID, "admin"),
    (ROLE_MEMBER_ID, "member"),
    (ROLE_READER_ID, "reader"),
];

/// Every identity of one mock.
#[derive(Clone, Debug)]
pub struct Directory {
    pub people: Vec<Identity>,
}

impl Directory {
    pub fn new(config: &MockConfig) -> Self {
        let demo = Identity {
            user: config.user.clone(),
            user_id: DEFAULT_USER_ID,
            password: config.password.clone(),
            project: config.project.clone(),
            project_id: PROJECT_ID,
            roles: MEMBER_ROLES,
            token: config.token.clone(),
        };
        let alt = Identity {
            user: ALT_USER.to_string(),
            user_id: ALT_USER_ID,
            password: ALT_PASSWORD.to_string(),
            project: ALT_PROJECT.to_string(),
            project_id: OTHER_PROJECT_ID,
            roles: MEMBER_ROLES,
            token: format!("{}{ALT_TOKEN_SUFFIX}", config.token),
        };
        let admin = Identity {
            user: ADMIN_USER.to_string(),
            user_id: ADMIN_USER_ID,
            password: ADMIN_PASSWORD.to_string(),
            project: ADMIN_PROJECT.to_string(),
            project_id: ADMIN_PROJECT_ID,
            roles: ADMIN_ROLES,
            token: format!("{}{ADMIN_TOKEN_SUFFIX}", config.token),
        };
        Directory {
            people: vec![demo, alt, admin],
        }
    }

    /// The default user (also the owner of the application credential).
    pub fn default_identity(&self) -> &Identity {
        &self.people[0]
    }

    /// Every project the mock knows, id and name: its users' projects and the third,
    /// share-only one.
    pub fn projects(&self) -> Vec<(&'static str, String)> {
        let mut all: Vec<(&'static str, String)> =
            self.people.iter().map(|p| (p.project_id, p.project.clone())).collect();
        all.push((THIRD_PROJECT_ID, THIRD_PROJECT.to_string()));
        all
    }

    /// The name of a project the mock knows.
    pub fn project_name(&self, id: &str) -> Option<String> {
        self.projects()
            .into_iter()
            .find(|(p, _)| *p == id)
            .map(|(_, name)| name)
    }

    pub fn by_token(&self, token: &str) -> Option<&Identity> {
        self.people.iter().find(|p| p.token == token)
    }

    /// A user named by name or by id, if the password is right.
    pub fn by_password(&self, name: Option<&str>, id: Option<&str>, password: &str) -> Option<&Identity> {
        self.people
            .iter()
            .find(|p| (name == Some(p.user.as_str()) || id == Some(p.user_id)) && p.password == password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_found_by_token_and_by_password() {
        let d = Directory::new(&MockConfig::default());
        assert_eq!(
            d.by_token(super::super::DEFAULT_TOKEN).map(|p| p.project_id),
            Some(PROJECT_ID)
        );
        let alt_token = format!("{}{ALT_TOKEN_SUFFIX}", super::super::DEFAULT_TOKEN);
        assert_eq!(d.by_token(&alt_token).map(|p| p.project_id), Some(OTHER_PROJECT_ID));
        assert!(d.by_token("nope").is_none());
        assert!(d.by_password(Some(ALT_USER), None, ALT_PASSWORD).is_some());
        assert!(d.by_password(None, Some(ALT_USER_ID), ALT_PASSWORD).is_some());
        assert!(d.by_password(Some(ALT_USER), None, DEFAULT_PASSWORD).is_none());
        assert!(!d.default_identity().is_admin());
        let admin = d
            .by_password(Some(ADMIN_USER), None, ADMIN_PASSWORD)
            .expect("the admin user");
        assert!(admin.is_admin() && admin.project_id == ADMIN_PROJECT_ID);
        assert_eq!(
            admin.token,
            format!("{}{ADMIN_TOKEN_SUFFIX}", super::super::DEFAULT_TOKEN)
        );
    }
}
