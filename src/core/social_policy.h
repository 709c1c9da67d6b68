#pragma once
// Social routing (docs/PROTOCOL.md "Contacts, blocks and folders"): the pure rules that decide
// whether a request of one user may reach another, and which folder a new thread lands in for
// its recipient. Pure: the recipient's state comes in as a value (store/social/social_store.h
// reads it); every path that starts a thread or adds someone to one (MQTT and HTTP requests,
// mail and SMS in) asks these functions, so they cannot disagree.
//
// Rules:
//  - A user is, to another, none, a contact or blocked (never both a contact and blocked:
//    blocking a contact replaces the contact).
//  - Someone the recipient blocked may not message it, start a thread with it, or add it to a
//    thread. What the blocked user learns is only "not accepted" (ErrorCode not_accepted),
//    the same answer a group-add setting gives, so a refusal does not say which it was.
//  - Being added to a thread of more than two (a group, or a later add) follows the
//    recipient's group-add setting: `contacts` (the default) admits its contacts, `anyone`
//    everyone not blocked, `nobody` no one.
//  - A thread started (or joined by being added) by a non-contact lands in the recipient's
//    `requests` folder; by a contact, in `inbox`. The recipient moves it with accept
//    (-> inbox), archive and unarchive.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/ids.h"

namespace iris::core {

// What a user is to the owner of the state (persisted and on the wire: never renumber).
enum class Relation : std::uint8_t { none = 0, contact = 1, blocked = 2 };
// Where a thread sits for one user (persisted and on the wire: never renumber).
enum class Folder : std::uint8_t { inbox = 0, requests = 1, archived = 2 };
// Who may add the user to a thread of more than two (persisted and on the wire).
enum class GroupAdd : std::uint8_t { contacts = 0, anyone = 1, nobody = 2 };

inline constexpr std::uint8_t kMaxRelation = 2;
inline constexpr std::uint8_t kMaxFolder = 2;
inline constexpr std::uint8_t kMaxGroupAdd = 2;

// How a thread reaches the recipient.
enum class Arrival : std::uint8_t {
  one_to_one,  // a thread of exactly two started by the other
  group,       // a thread of more than two started with the recipient in it, or an add
  // A thread started by an external identity (mail in, later SMS) with every recipient its
  // message named (To/Cc): each recipient was addressed by the sender, as in a thread of two,
  // not put in a group by someone, so only a block refuses it; the group-add setting does not
  // apply. A non-contact's thread still lands in requests.
  addressed,
};

// Whether `user` is an external identity (the top bit set: a mail address or a phone number
// behind a derived id, mail/address.h), never an Iris account.
constexpr bool is_external_identity(UserId user) { return (user.value() >> 63) != 0; }

// The recipient's state as far as one actor is concerned.
struct RecipientView {
  Relation actor_is = Relation::none;  // what the actor is to the recipient
  GroupAdd group_add = GroupAdd::contacts;
};

// Whether the recipient takes messages from the actor (in threads it is already in).
constexpr bool may_message(Relation actor_is) { return actor_is != Relation::blocked; }

// Whether the recipient may be put in a thread by the actor, arriving as `arrival`.
constexpr bool may_add(const RecipientView& v, Arrival arrival) {
  if (v.actor_is == Relation::blocked) return false;
  if (arrival == Arrival::one_to_one || arrival == Arrival::addressed) return true;
  switch (v.group_add) {
    case GroupAdd::anyone: return true;
    case GroupAdd::nobody: return false;
    case GroupAdd::contacts: return v.actor_is == Relation::contact;
  }
  return false;
}

// The folder a new thread lands in for the recipient, or nullopt when the recipient does not
// take it (may_add is false): the one function every channel that starts threads calls.
constexpr std::optional<Folder> folder_for_new_thread(const RecipientView& v, Arrival arrival) {
  if (!may_add(v, arrival)) return std::nullopt;
  return v.actor_is == Relation::contact ? Folder::inbox : Folder::requests;
}

std::string_view relation_name(Relation r);
std::string_view folder_name(Folder f);
std::string_view group_add_name(GroupAdd g);
// The setting group_add_name gives `name`, or nullopt for any other text.
std::optional<GroupAdd> group_add_from_name(std::string_view name);

}  // namespace iris::core
