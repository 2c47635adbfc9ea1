# On PostgreSQL: the firm tables of this app keyed by (id, firm_id), so that they
# can be sharded by firm (practice.distribution).
#
# Runs after the migrations of the other apps that were written before it: once a
# table is keyed by (id, firm_id), a foreign key to its id alone can't be created
# (later keys between firm tables are TenantForeignKey, which creates none there).

from django.db import migrations

from practice.distribution import DistributeByFirm


class Migration(migrations.Migration):

    dependencies = [
        ('practice', '0006_two_step'),
        ('clients', '0010_company_wholesale_left_rate'),
        ('subscriptions', '0004_dated_prices_and_terms'),
        ('billing', '0002_statement_parts_and_pdf'),
        ('webhooks', '0001_endpoints_events_deliveries'),
        ('api', '0001_initial'),
        ('imports', '0003_fewer_row_indexes'),
    ]

    operations = [
        DistributeByFirm(['Membership', 'Invitation', 'BillingProfile', 'ActivityEvent']),
    ]
