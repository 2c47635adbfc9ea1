# On PostgreSQL: this app's firm tables keyed by (id, firm_id) and their keys to
# other firm tables made composite with firm_id (practice.distribution); the
# company ID unique within its firm.

import django.db.models.deletion
from django.db import migrations, models

import practice.distribution
from practice.distribution import DistributeByFirm


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0010_company_wholesale_left_rate'),
        ('practice', '0007_distribute_by_firm'),
    ]

    operations = [
        DistributeByFirm(['Client', 'ClientListPreference', 'ClientAssignment']),
        # DistributeByFirm made the keys in the database (and puts Django's back
        # when reversed): the fields change in the migration state only.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='client',
                    name='lead_accountant',
                    field=practice.distribution.TenantForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='lead_clients', to='practice.membership', verbose_name='lead accountant'),
                ),
                migrations.AlterField(
                    model_name='clientassignment',
                    name='client',
                    field=practice.distribution.TenantForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='clients.client'),
                ),
                migrations.AlterField(
                    model_name='clientassignment',
                    name='membership',
                    field=practice.distribution.TenantForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='client_assignments', to='practice.membership', verbose_name='team member'),
                ),
                migrations.AlterField(
                    model_name='clientlistpreference',
                    name='membership',
                    field=practice.distribution.TenantForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='client_list_preferences', to='practice.membership'),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name='client',
            constraint=models.UniqueConstraint(fields=('firm', 'company_id'), name='client_company_id_unique_per_firm'),
        ),
        migrations.RemoveConstraint(
            model_name='client',
            name='client_company_id_unique',
        ),
    ]
