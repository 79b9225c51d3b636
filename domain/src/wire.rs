//! One list per enum that crosses the wire or the database: [`wire_enum!`] writes the enum,
//! its serde names, `as_str`, `parse` and `ALL` from the same variant = "name" pairs, so a
//! name cannot be spelt two ways.

/// Declares a unit-only enum whose variants each carry their wire name.
///
/// ```
/// domain::wire_enum! {
///     /// A traffic light.
///     pub enum Light {
///         Red = "red",
///         Green = "green",
///     }
/// }
/// assert_eq!(Light::parse("green"), Some(Light::Green));
/// assert_eq!(Light::Red.as_str(), "red");
/// assert_eq!(Light::ALL.len(), 2);
/// ```
#[macro_export]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        $vis enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($wire),+].len()] = [$($name::$variant),+];

            /// The name on the wire and in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $wire, )+
                }
            }

            /// The value of a wire name.
            pub fn parse(value: &str) -> Option<$name> {
                match value {
                    $( $wire => Some($name::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::{
        ErrorCode,
        api::{
            AccountRole, AuditAction, JobKind, JobState, RowFailureCode, SkipReason, TicketState,
            WechatChannel,
        },
    };

    /// serde, `as_str` and `parse` agree on every name of `T`, and no two values share one.
    fn agree<T>(all: &[T], as_str: fn(&T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let mut seen = std::collections::HashSet::new();
        for value in all {
            let name = as_str(value);
            assert!(seen.insert(name), "{name} is used twice");
            assert_eq!(serde_json::to_value(value).unwrap(), name);
            assert_eq!(&serde_json::from_value::<T>(name.into()).unwrap(), value);
            assert_eq!(parse(name).as_ref(), Some(value));
        }
        assert_eq!(parse("no such name"), None);
    }

    #[test]
    fn every_wire_enum_has_one_name_per_value() {
        agree(&AccountRole::ALL, |v| v.as_str(), AccountRole::parse);
        agree(&AuditAction::ALL, |v| v.as_str(), AuditAction::parse);
        agree(&ErrorCode::ALL, |v| v.as_str(), ErrorCode::parse);
        agree(&JobKind::ALL, |v| v.as_str(), JobKind::parse);
        agree(&JobState::ALL, |v| v.as_str(), JobState::parse);
        agree(&RowFailureCode::ALL, |v| v.as_str(), RowFailureCode::parse);
        agree(&SkipReason::ALL, |v| v.as_str(), SkipReason::parse);
        agree(&TicketState::ALL, |v| v.as_str(), TicketState::parse);
        agree(&WechatChannel::ALL, |v| v.as_str(), WechatChannel::parse);
    }

    #[test]
    fn a_channel_switch_is_audited_under_its_channel() {
        for channel in WechatChannel::ALL {
            let action = AuditAction::channel_switched(channel).as_str();
            assert!(action.ends_with(channel.as_str()), "{action}");
        }
    }
}
