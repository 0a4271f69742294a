# Prepares a fresh RT 5 database for the tests (run by tests/support/request_tracker.py,
# with RT_SITE_CONFIG naming the temporary site config): root's password; an agent,
# alice (privileged); Everyone may create and reply by mail on General (as a help desk
# that takes customer mail does); the custom fields the connector writes the SLA state
# into; the connector's user, sla-connector, with the rights the docs ask for; and an
# authentication token for root, alice and sla-connector. Prints
# "name token" per line.
use strict;
use warnings;
use lib '/usr/share/request-tracker5/lib';
use RT -init;

my ($password) = @ARGV;
my $system = RT->SystemUser;
my ($ok, $msg);

my $root = RT::User->new($system);
$root->Load('root');
($ok, $msg) = $root->SetPassword($password);
die "root password: $msg" unless $ok;

my $queue = RT::Queue->new($system);
$queue->Load('General');

my $alice = RT::User->new($system);
($ok, $msg) = $alice->Create(Name => 'alice', EmailAddress => 'alice@example.test',
                             RealName => 'Alice Agent', Privileged => 1, Password => $password);
die "alice: $msg" unless $ok;
($ok, $msg) = $alice->PrincipalObj->GrantRight(Right => 'SuperUser', Object => RT->System);
die "alice's rights: $msg" unless $ok;

my $everyone = RT::Group->new($system);
$everyone->LoadSystemInternalGroup('Everyone');
for my $right (qw(CreateTicket ReplyToTicket)) {
    ($ok, $msg) = $everyone->PrincipalObj->GrantRight(Right => $right, Object => $queue);
    die "Everyone's $right: $msg" unless $ok;
}

for my $name ('SLA state', 'SLA next due') {
    my $field = RT::CustomField->new($system);
    ($ok, $msg) = $field->Create(Name => $name, Type => 'Freeform', MaxValues => 1,
                                 LookupType => RT::Ticket->CustomFieldLookupType);
    die "custom field $name: $msg" unless $ok;
    ($ok, $msg) = $field->AddToObject($queue);
    die "custom field $name on General: $msg" unless $ok;
}

# The connector's own user, with only the rights docs/request-tracker.md asks for.
my $connector = RT::User->new($system);
($ok, $msg) = $connector->Create(Name => 'sla-connector', EmailAddress => 'sla@example.test',
                                 RealName => 'SLA connector', Privileged => 1);
die "sla-connector: $msg" unless $ok;
for my $right (qw(SeeQueue ShowTicket ShowTicketComments CommentOnTicket ModifyTicket
                  SeeCustomField ModifyCustomField)) {
    ($ok, $msg) = $connector->PrincipalObj->GrantRight(Right => $right, Object => $queue);
    die "sla-connector's $right: $msg" unless $ok;
}

# A queue the connector may not see (another team's).
my $internal = RT::Queue->new($system);
($ok, $msg) = $internal->Create(Name => 'Internal');
die "queue Internal: $msg" unless $ok;

for my $user ($root, $alice, $connector) {
    my $token = RT::AuthToken->new(RT::CurrentUser->new($root));
    my ($id, $message, $secret) = $token->Create(Owner => $user->id, Description => 'tests');
    die "token for " . $user->Name . ": $message" unless $id;
    print $user->Name, " ", $secret, "\n";
}
