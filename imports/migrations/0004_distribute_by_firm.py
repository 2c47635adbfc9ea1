# On PostgreSQL: this app's firm tables keyed by (id, firm_id) and their keys to
# other firm tables made composite with firm_id (practice.distribution). The rows'
# keys to their job and client stay unchecked by the database (see ImportRow).

import django.db.models.deletion
from django.db import migrations

import practice.distribution
from practice.distribution import DistributeByFirm


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0003_fewer_row_indexes'),
        ('clients', '0011_distribute_by_firm'),
    ]

    operations = [
        DistributeByFirm(['ImportJob', 'ImportRow']),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='importjob',
                    name='source',
                    field=practice.distribution.TenantForeignKey(blank=True, help_text='The check-only run this import was started from.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='imports.importjob'),
                ),
            ],
        ),
    ]
